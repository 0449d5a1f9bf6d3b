// ESLint (flat config), run per project by the Nx `lint` target and by `npm test`.
// - TypeScript: typescript-eslint's type-checked recommended rules, promise rules and an exhaustive
//   switch as errors, with types from the project service (tsconfig.json -> tsconfig.spec.json: the
//   sources, specs and test helpers of every project).
// - Project boundaries from the Nx tags (@nx/enforce-module-boundaries): a context depends only on
//   platform libs, contracts and the shared kernel; an app never on another app; a lib never on an app.
// - Formatting is Prettier's (`prettier --check .`): eslint-config-prettier turns off what would clash.
import { defineConfig } from 'eslint/config';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const PLATFORM = ['type:platform', 'type:contracts', 'type:shared-kernel'];

/** Who may import whom, by Nx tag (each project's package.json "nx" section or project.json). */
export function boundaryConstraints({ tests }) {
  // Specs and test/ folders may also use @shop/testing; sources may not (the layer lint says so too).
  const testing = tests ? ['type:testing'] : [];
  return [
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: [...PLATFORM, ...testing], notDependOnLibsWithTags: ['type:app', 'type:tool'] },
    { sourceTag: 'scope:*', onlyDependOnLibsWithTags: [...PLATFORM, ...testing] },
    { sourceTag: 'type:platform', onlyDependOnLibsWithTags: [...PLATFORM, ...testing] },
    { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:shared-kernel'] },
    { sourceTag: 'type:shared-kernel', onlyDependOnLibsWithTags: ['type:shared-kernel'] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [...PLATFORM, 'type:testing'] },
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
  ];
}

// @shop/testing builds on persistence and messaging, whose own tests use it: a cycle of test code only
// (their package.json "nx" sections drop that edge so that `build` keeps depending on `^build`).
const TEST_ONLY_CYCLES = [
  ['@shop/persistence', '@shop/testing'],
  ['@shop/messaging', '@shop/testing'],
];
const boundaries = (tests) => [
  'error',
  { allow: [], depConstraints: boundaryConstraints({ tests }), ignoredCircularDependencies: tests ? TEST_ONLY_CYCLES : [] },
];
const TEST_FILES = ['**/*.spec.ts', '**/test/**/*.ts', '**/src/**/testing/**/*.ts'];

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.nx/**',
      'coverage/**',
      'data/**',
      'tmp/**',
      // Fixtures break the rules on purpose: tools/arch/test checks that the layer lint catches them.
      'tools/arch/fixtures/**',
    ],
  },
  { plugins: { '@nx': nx } },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Handing on a rejection reason as it came (an abort signal's reason, a caught `unknown`) is fine;
      // rejecting with a string or a plain object is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Off, with the reason:
      // - `async` methods without `await` implement promise-returning ports and Nest hooks; making them
      //   return Promise.resolve(...) by hand reads worse and changes nothing.
      '@typescript-eslint/require-await': 'off',
      // - `x[i]!` and `match[1]!` are written as if noUncheckedIndexedAccess were on (they say "present
      //   here"); the rule flags every one of them because the option is off.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Use cases save aggregates; the repository (an AggregateRepository) writes their events to the outbox.
    // A use case writing outbox rows by hand could save an aggregate and forget them.
    files: ['apps/*/src/application/**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@shop/shared-kernel',
              importNames: ['EVENT_OUTBOX', 'EventOutbox'],
              message: 'Use cases save aggregates through their repository (an AggregateRepository), which writes the events to the outbox.',
            },
          ],
        },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': boundaries(true),
      // Tests read untyped JSON (response bodies, broker messages, OpenAPI documents) and hand methods to
      // expect()/spies: the `any` and unbound-method rules would flag the reading, not a defect.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain ESM tools run by node without a build (tools/arch, tools/lockfile, tools/services, tools/nx, this
    // file): no type information; what typescript-eslint checks without types, plus the promise-free basics.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.recommended, tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  prettier,
);
