// Shared by the CLI (tools/arch/cli.mjs) and the fixture tests (tools/arch/test): loads THE rule
// set (dependency-cruiser.config.mjs) and turns a cruise result into readable violations.
// Plain ESM JavaScript so `npm run lint:arch` runs without a build step.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { DIST } from './dependency-cruiser.config.mjs';

export const ARCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(ARCH_DIR, '..', '..');
export const CONFIG_FILE = join(ARCH_DIR, 'dependency-cruiser.config.mjs');

/**
 * Cruise options (rule set included) and transpile options for `cruise()`.
 * Paths (rules, inputs, results) are relative to the repository root (baseDir), whatever the cwd.
 * `fixtures: true` (tests only) stops excluding tools/arch/fixtures; the rules stay the same.
 */
export async function loadCruiseOptions({ fixtures = false } = {}) {
  const cruiseOptions = await extractDepcruiseOptions(CONFIG_FILE);
  if (fixtures) cruiseOptions.exclude = { path: DIST };
  // Independent of the working directory: paths in the result stay relative to the repo root.
  cruiseOptions.baseDir = REPO_ROOT;
  let tsConfig;
  if (cruiseOptions.tsConfig?.fileName) {
    cruiseOptions.tsConfig = { fileName: join(REPO_ROOT, cruiseOptions.tsConfig.fileName) };
    tsConfig = extractTSConfig(cruiseOptions.tsConfig.fileName);
  }
  return {
    cruiseOptions, // no outputType: cruise() then returns the result object itself
    transpileOptions: { tsConfig },
  };
}

/**
 * Flattens the violations of a cruise result: rule name, importing file, import specifier as
 * written in the source, and what it resolved to.
 * @param {import('dependency-cruiser').ICruiseResult} result
 */
export function listViolations(result) {
  const modules = new Map(result.modules.map((m) => [m.source, m]));
  return result.summary.violations.map((v) => {
    const dependency = modules.get(v.from)?.dependencies.find((d) => d.resolved === v.to);
    return {
      rule: v.rule.name,
      severity: v.rule.severity,
      from: v.from,
      module: v.unresolvedTo ?? dependency?.module ?? v.to,
      to: v.to,
      cycle: v.cycle?.map((c) => c.name),
    };
  });
}

/** One line per violation, e.g. `✖ domain-no-npm-package  apps/x/src/domain/a.ts  imports 'typeorm'  (→ node_modules/typeorm/index.mjs)` */
export function formatViolation(v) {
  const target = v.module === v.to ? '' : `  (→ ${v.to})`;
  const cycle = v.cycle ? `\n      cycle: ${[v.from, ...v.cycle].join(' → ')}` : '';
  return `✖ ${v.rule}  ${v.from}  imports '${v.module}'${target}${cycle}`;
}
