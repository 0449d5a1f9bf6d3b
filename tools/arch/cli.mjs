#!/usr/bin/env node
// `npm run lint:arch` — the architecture lint of the monorepo. No build step needed.
//   node tools/arch/cli.mjs [paths...]   (default: apps libs tools)
// 1. Nx tags on every project under apps/, libs/, tools/ (tools/arch/nx-tags.mjs).
// 2. Layer and boundary rules (tools/arch/dependency-cruiser.config.mjs) with dependency-cruiser.
// Prints rule, file and offending import for each violation; exits 1 on any violation, 2 on a crash.
import { existsSync } from 'node:fs';
import { cruise } from 'dependency-cruiser';
import { REPO_ROOT, formatViolation, listViolations, loadCruiseOptions } from './arch-lint.mjs';
import { checkNxTags } from './nx-tags.mjs';

async function main() {
  process.chdir(REPO_ROOT); // rule paths are relative to the repository root
  const started = Date.now();
  let failed = false;

  const tagProblems = checkNxTags(REPO_ROOT);
  for (const { project, problem } of tagProblems) console.error(`✖ nx-tags  ${project}: ${problem}`);
  failed ||= tagProblems.length > 0;

  const args = process.argv.slice(2);
  const requested = args.length > 0 ? args : ['apps', 'libs', 'tools'];
  const missing = args.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`no such file or folder: ${missing.join(', ')}`);
  const roots = requested.filter((p) => existsSync(p)); // apps/ may not exist yet in a fresh clone

  const { cruiseOptions, transpileOptions } = await loadCruiseOptions();
  const { output } = await cruise(roots, cruiseOptions, {}, transpileOptions);
  if (typeof output === 'string') throw new Error('unexpected string output from dependency-cruiser');
  const violations = listViolations(output).filter((v) => v.severity === 'error' || v.severity === 'warn');
  for (const v of violations) console.error(formatViolation(v));
  failed ||= violations.some((v) => v.severity === 'error');

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const { totalCruised, totalDependenciesCruised } = output.summary;
  const stats = `${totalCruised} modules, ${totalDependenciesCruised} dependencies in ${roots.join(' ')}; ${seconds} s`;
  if (failed) {
    console.error(
      `\nlint:arch failed: ${violations.length} dependency violation(s), ${tagProblems.length} Nx tag problem(s) (${stats}).` + '\nRules: tools/arch/README.md',
    );
    process.exitCode = 1;
  } else {
    console.log(`lint:arch: no violations (${stats})`);
  }
}

main().catch((error) => {
  console.error('lint:arch crashed:', error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 2;
});
