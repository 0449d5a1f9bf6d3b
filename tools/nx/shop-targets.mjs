// Nx plugin (registered in nx.json "plugins"): gives every project under apps/, libs/ and tools/
// (a folder with a package.json that is an npm workspace, or a project.json) the same targets, so a
// new context gets them with no edit:
//   build             tsc -b tsconfig.lib.json (projects without one: nothing to build)
//   typecheck         its sources, specs and test helpers (tools/nx/typecheck.mjs)
//   lint              ESLint over the project folder (eslint.config.mjs)
//   test              its unit tests with the root vitest.config.ts
//   test:integration  its integration tests with vitest.integration.config.ts, when it has any
// Caching, inputs and dependsOn live in nx.json targetDefaults (a project adds inputs of its own in its
// package.json's nx.targets: tools/embedded's test reads the root README); this file only says what runs.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { integrationTests } from './test-files.mjs';

// minimatch is a dependency of nx itself: resolved from there rather than relied on as a hoisted package.
const { minimatch } = createRequire(createRequire(import.meta.url).resolve('nx/package.json'))('minimatch');

const PROJECT_FILES = '{apps,libs,tools}/*/{package.json,project.json}';
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.nx']);

/** Files under a project folder, as workspace-relative POSIX paths. */
function filesUnder(workspaceRoot, projectRoot) {
  const files = [];
  const walk = (relative) => {
    for (const entry of readdirSync(join(workspaceRoot, relative), { withFileTypes: true })) {
      const path = posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(path);
      } else files.push(path);
    }
  };
  walk(projectRoot);
  return files;
}

const selects =
  ({ include, exclude }) =>
  (file) =>
    include.some((g) => minimatch(file, g)) && !exclude.some((g) => minimatch(file, g));

/** @returns {Record<string, import('@nx/devkit').TargetConfiguration>} */
export function targetsOf(workspaceRoot, projectRoot) {
  const files = filesUnder(workspaceRoot, projectRoot);
  const command = (cmd, description) => ({ executor: 'nx:run-commands', options: { command: cmd }, metadata: { description } });
  const targets = {
    build: existsSync(join(workspaceRoot, projectRoot, 'tsconfig.lib.json'))
      ? command('tsc -b {projectRoot}/tsconfig.lib.json', 'Compiles src/ to dist/ with its project references')
      : { executor: 'nx:noop', metadata: { description: 'Nothing to compile (runs from source)' } },
    typecheck: command('node tools/nx/typecheck.mjs {projectRoot}', 'Type-checks sources, specs and test helpers'),
    lint: command('eslint --max-warnings 0 {projectRoot}', 'ESLint (typescript-eslint type-checked rules, module boundaries)'),
    // The trailing slash keeps apps/user from also selecting apps/user-admin.
    test: command('vitest run --config vitest.config.ts --passWithNoTests {projectRoot}/', 'Unit tests'),
  };
  if (files.some(selects(integrationTests))) {
    targets['test:integration'] = command('vitest run --config vitest.integration.config.ts {projectRoot}/', 'Integration tests (PostgreSQL, RabbitMQ)');
  }
  return targets;
}

/** @type {import('@nx/devkit').CreateNodesV2} */
export const createNodesV2 = [
  PROJECT_FILES,
  (configFiles, _options, context) => {
    const roots = [...new Set(configFiles.map((file) => dirname(file)))];
    return roots.map((projectRoot) => [projectRoot, { projects: { [projectRoot]: { targets: targetsOf(context.workspaceRoot, projectRoot) } } }]);
  },
];
