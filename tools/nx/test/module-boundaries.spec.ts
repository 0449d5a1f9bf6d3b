// Project boundaries from the Nx tags, enforced by @nx/enforce-module-boundaries in eslint.config.mjs:
// each planted import below sits in a real project's folder (the file itself exists only in memory)
// and must trip the rule, or pass; and the real tree passes.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const RULE = '@nx/enforce-module-boundaries';

// Only the boundary rule, without type information: the planted files are not on disk, so the
// TypeScript project service could not place them (the type-checked rules run in the `lint` targets).
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: 'eslint.config.mjs',
  overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === RULE,
});

async function boundaryErrors(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import * as planted from '${specifier}';\nexport { planted };\n`, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

// Where the imported project already depends on the importer (every app builds on the libs, the embedded
// tool on the apps), the rule reports the cycle it would close before it looks at the tags.
const EITHER = /Circular dependency between|only depend on libs tagged/;

describe('project boundaries (Nx tags)', { timeout: 60_000 }, () => {
  it.each([
    ['an app on another app', 'apps/user/src/planted.ts', '@shop/gateway', /only depend on libs tagged/],
    ['an app on a tool', 'apps/user/src/planted.ts', '@shop/embedded', EITHER],
    ['an app on the testing lib outside its tests', 'apps/gateway/src/planted.ts', '@shop/testing', /only depend on libs tagged/],
    ['a platform lib on an app', 'libs/scheduler/src/planted.ts', '@shop/gateway', EITHER],
    ['a platform lib on the testing lib outside its tests', 'libs/http/src/planted.ts', '@shop/testing', /only depend on libs tagged/],
    ['the contracts on a platform lib', 'libs/contracts/src/planted.ts', '@shop/persistence', /only depend on libs tagged/],
    ['the shared kernel on the contracts', 'libs/shared-kernel/src/planted.ts', '@shop/contracts', EITHER],
    ['the testing lib on an app', 'libs/testing/src/planted.ts', '@shop/user', EITHER],
  ])('refuses %s', async (_case, file, specifier, message) => {
    const errors = await boundaryErrors(file, specifier);
    expect(errors.length, errors.join('\n')).toBeGreaterThan(0);
    for (const error of errors) expect(error).toMatch(new RegExp(`^${RULE}: `));
    expect(errors.join('\n')).toMatch(message);
  });

  it.each([
    ['a context on platform libs', 'apps/user/src/planted.ts', '@shop/persistence'],
    ['a context on the contracts', 'apps/user/src/planted.ts', '@shop/contracts'],
    ['a context on the shared kernel', 'apps/gateway/src/planted.ts', '@shop/shared-kernel'],
    ["a context's tests on the testing lib", 'apps/user/test/planted.spec.ts', '@shop/testing'],
    ['a platform lib on another', 'libs/http/src/planted.ts', '@shop/persistence'],
    ['a tool on an app', 'tools/embedded/src/planted.ts', '@shop/user'],
  ])('allows %s', async (_case, file, specifier) => {
    expect(await boundaryErrors(file, specifier)).toEqual([]);
  });

  // The real tree is linted with this rule by every project's `lint` target (npm test runs them all), so
  // it is not linted a second time here: a whole-tree pass took a minute of CPU on a loaded runner. What
  // is checked is that those targets do apply the rule, as an error, to the sources and tests of each kind.
  it.each([
    'apps/user/src/main.ts',
    'apps/gateway/test/planted.spec.ts',
    'libs/http/src/index.ts',
    'libs/contracts/src/index.ts',
    'tools/embedded/src/index.ts',
  ])('the lint targets apply the rule to %s', async (file) => {
    const config = (await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown> } | undefined;
    const [severity] = (config?.rules?.[RULE] ?? []) as unknown[];
    expect(severity === 'error' || severity === 2, `${RULE} on ${file}: ${String(severity)}`).toBe(true);
  });
});

describe('use cases and the outbox', { timeout: 60_000 }, () => {
  const restricted = new ESLint({
    cwd: root,
    overrideConfigFile: 'eslint.config.mjs',
    overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === '@typescript-eslint/no-restricted-imports',
  });
  const errorsOf = async (filePath: string) => {
    const [result] = await restricted.lintText(`import { EVENT_OUTBOX } from '@shop/shared-kernel';\nexport const token = EVENT_OUTBOX;\n`, { filePath });
    return (result?.messages ?? []).map((m) => m.message);
  };

  it('refuses a use case that would write outbox rows itself (the repository writes its aggregate’s events)', async () => {
    expect(await errorsOf('apps/user/src/application/commands/planted/planted.handler.ts')).toEqual([
      expect.stringMatching(/'EVENT_OUTBOX' import .* is restricted/),
    ]);
  });

  it('lets the composition root and the infrastructure wire the outbox', async () => {
    expect(await errorsOf('apps/user/src/user.module.ts')).toEqual([]);
    expect(await errorsOf('apps/user/src/infrastructure/persistence/planted.repository.ts')).toEqual([]);
  });
});
