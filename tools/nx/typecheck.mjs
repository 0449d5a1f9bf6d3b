#!/usr/bin/env node
// `node tools/nx/typecheck.mjs <projectRoot>... [--root-files]`: the Nx `typecheck` target of every project.
// --root-files adds the workspace's own TypeScript files (vitest.config.ts, …): tools/nx checks them.
// Type-checks the project's files (sources, specs, test helpers) under the root tsconfig.spec.json,
// the same options and file set `tsc -p tsconfig.spec.json` checks for the whole tree, and reports
// only this project's errors: a dependency's own errors are its own typecheck's (workspace packages
// resolve to their TypeScript sources through the '@shop/source' condition, so no build is needed).
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function fail(message) {
  console.error(`typecheck: ${message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const withRootFiles = args.includes('--root-files');
const projectRoots = args.filter((a) => a !== '--root-files');
if (projectRoots.length === 0) fail('usage: node tools/nx/typecheck.mjs <projectRoot>... [--root-files]');
const projectRoot = projectRoots.join(' ');

const host = {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
};
const config = ts.getParsedCommandLineOfConfigFile(resolve(REPO_ROOT, 'tsconfig.spec.json'), {}, host);
if (!config) fail('cannot read tsconfig.spec.json');

const prefixes = projectRoots.map((root) => resolve(REPO_ROOT, root) + sep);
const own = config.fileNames.filter(
  (file) => prefixes.some((prefix) => resolve(file).startsWith(prefix)) || (withRootFiles && dirname(resolve(file)) === resolve(REPO_ROOT)),
);
if (own.length === 0) {
  console.log(`typecheck: ${projectRoot} has no TypeScript files under tsconfig.spec.json`);
  process.exit(0);
}

const program = ts.createProgram({ rootNames: own, options: config.options, projectReferences: config.projectReferences });
const diagnostics = [
  ...config.errors,
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...own.flatMap((file) => {
    const source = program.getSourceFile(file);
    return source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : [];
  }),
];

const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => REPO_ROOT, getNewLine: () => '\n' };
if (diagnostics.length > 0) {
  const format = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
  console.error(format(diagnostics, formatHost));
  console.error(`typecheck: ${diagnostics.length} error(s) in ${projectRoot}`);
  process.exit(1);
}
console.log(`typecheck: ${own.length} files in ${projectRoot}, no errors`);
