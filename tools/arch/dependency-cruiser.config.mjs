// Layer and boundary rules of the shop monorepo (DESIGN.md §2), enforced with dependency-cruiser.
// Run: `npm run lint:arch` (tools/arch/cli.mjs). Rule reference: tools/arch/README.md.
//
// Every rule is anchored on folder paths relative to the repository root:
//   apps/<ctx>/src/{domain,application,infrastructure,interface}/   layers of a context
//   apps/<ctx>/src/*.ts                                             composition root (<ctx>.module.ts, main.ts)
//   apps/<ctx>/test/                                                integration tests of the context
//   libs/<name>/  tools/<name>/
// Each path may carry the optional prefix `tools/arch/fixtures/`, so the SAME rules run over the
// fixture tree in tools/arch/test (the real lint excludes that tree). The prefix is a
// non-capturing group: `$1` in a `to` path always means the context (or lib) captured in `from`.

const ROOT = '^(?:tools/arch/fixtures/)?';
const APP = `${ROOT}apps/([^/]+)/`; // $1 = context
const layer = (name) => `${APP}src/${name}/`;
// A sub-folder of apps/<ctx>/src/ that is not one of the four layers.
const UNLAYERED = '(?!(?:domain|application|infrastructure|interface)/)[^/]+/';
const LIB = (names) => `${ROOT}libs/(?:${names})/`;
// A tool as an import target. `(?!arch/fixtures/)`: with the optional prefix, `^(?:P)?tools/` would
// also match every fixture path (tools/arch/fixtures/...) with an empty prefix.
const TOOLS = `${ROOT}tools/(?!arch/fixtures/)`;

// Test code: unit specs next to the code (`*.spec.ts`, `*.test.ts`), a project's test/ folder and
// the `testing/` folders of an app's layers (mothers, fakes, fixtures the specs share).
// It may use vitest, @shop/testing, builders and fakes, so it is exempt from the purity and
// allowed-libs rules; never from the context boundaries (no app imports another app, libs never
// import apps or tools). tsconfig.lib.json files leave test code out of every build.
const TESTING_FOLDER = `${ROOT}apps/[^/]+/src/[a-z/-]*/testing/`;
const TEST_CODE = `\\.(?:spec|test)\\.[cm]?[jt]sx?$|${ROOT}(?:apps|libs|tools)/[^/]+/test/|${TESTING_FOLDER}`;

// Anything resolved into node_modules is an npm package (including @types/*).
const NPM = '(?:^|/)node_modules/';
const npm = (names) => `(?:^|/)node_modules/(?:${names})/`;
export const DIST = '^(?:tools/arch/fixtures/)?(?:apps|libs|tools)/[^/]+/dist(?:/|$)';
const DB_AND_BROKER = 'typeorm|@nestjs/typeorm|amqplib|amqp-connection-manager|pg|pg-[^/]+|better-sqlite3|sqlite3';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    // ---------------------------------------------------------------- contexts and apps
    {
      name: 'no-cross-context-import',
      comment: 'An app never imports another app (src or test). Cross-context knowledge travels only as @shop/contracts types and integration events.',
      severity: 'error',
      from: { path: APP },
      to: { path: `${ROOT}apps/`, pathNot: `${ROOT}apps/$1/` },
    },
    {
      name: 'app-no-tools',
      comment: 'Apps do not depend on tools/ (tools may depend on apps, not the other way round).',
      severity: 'error',
      from: { path: APP },
      to: { path: TOOLS },
    },
    {
      name: 'app-src-no-testing-lib',
      comment: 'Production code of an app does not import the test harness @shop/testing (unit specs and apps/<ctx>/test may).',
      severity: 'error',
      from: { path: `${APP}src/`, pathNot: TEST_CODE },
      to: { path: LIB('testing') },
    },
    {
      name: 'layer-no-composition-root',
      comment: 'Layers never import the composition root (apps/<ctx>/src/*.ts: <ctx>.module.ts, main.ts); only the root wires layers together.',
      severity: 'error',
      from: { path: `${APP}src/(?:domain|application|infrastructure|interface)/` },
      to: { path: `${ROOT}apps/$1/src/[^/]+$` },
    },
    {
      name: 'src-no-testing-folder',
      comment: 'Production code of an app never imports its testing/ folders (mothers, fakes): tsconfig.lib.json leaves them out of the build.',
      severity: 'error',
      from: { path: `${APP}src/`, pathNot: TEST_CODE },
      to: { path: `${ROOT}apps/$1/src/[a-z/-]*/testing/` },
    },
    {
      name: 'src-no-app-test',
      comment: 'Code under apps/<ctx>/src never imports the integration tests under apps/<ctx>/test.',
      severity: 'error',
      from: { path: `${APP}src/` },
      to: { path: `${ROOT}apps/$1/test/` },
    },

    {
      name: 'no-code-outside-layers',
      comment:
        'Every folder under apps/<ctx>/src/ is a layer (domain, application, infrastructure, interface). Code in any other folder (src/common/, src/migrations/, ...) would escape the layer rules: it may import nothing. Move it into a layer.',
      severity: 'error',
      from: { path: `${APP}src/${UNLAYERED}` },
      to: {},
    },
    {
      name: 'no-import-of-unlayered-code',
      comment: 'Nothing imports code in a folder under apps/<ctx>/src/ that is not a layer. Move it into a layer.',
      severity: 'error',
      from: { path: `${APP}src/` },
      to: { path: `${ROOT}apps/$1/src/${UNLAYERED}` },
    },

    // ---------------------------------------------------------------- domain
    {
      name: 'domain-no-npm-package',
      comment: 'The domain is plain TypeScript: no npm package at all (no Nest, TypeORM, amqplib, pg, ...). Node builtins are fine.',
      severity: 'error',
      from: { path: layer('domain'), pathNot: TEST_CODE },
      to: { path: NPM },
    },
    {
      name: 'domain-no-other-layer',
      comment: 'The domain imports only its own domain: never application, infrastructure or interface.',
      severity: 'error',
      from: { path: layer('domain') },
      to: { path: `${ROOT}apps/$1/src/(?:application|infrastructure|interface)/` },
    },
    {
      name: 'domain-only-shared-kernel',
      comment: 'Of the workspace libs the domain may import only @shop/shared-kernel; it never imports tools.',
      severity: 'error',
      from: { path: layer('domain'), pathNot: TEST_CODE },
      to: { path: [`${ROOT}libs/`, TOOLS], pathNot: LIB('shared-kernel') },
    },

    // ---------------------------------------------------------------- application
    {
      name: 'application-no-outer-layer',
      comment: 'Use cases never import infrastructure or interface; they declare ports that infrastructure implements.',
      severity: 'error',
      from: { path: layer('application') },
      to: { path: `${ROOT}apps/$1/src/(?:infrastructure|interface)/` },
    },
    {
      name: 'application-no-persistence-or-broker',
      comment: 'Use cases never touch TypeORM, SQL drivers or AMQP; that is infrastructure behind a port.',
      severity: 'error',
      from: { path: layer('application'), pathNot: TEST_CODE },
      to: { path: npm(DB_AND_BROKER) },
    },
    {
      name: 'application-npm-only-nestjs-common',
      comment: 'The only npm package a use case may import is @nestjs/common (for DI: @Injectable, @Inject).',
      severity: 'error',
      from: { path: layer('application'), pathNot: TEST_CODE },
      to: { path: NPM, pathNot: [npm('@nestjs/common'), npm(DB_AND_BROKER)] },
    },
    {
      name: 'application-only-kernel-and-contracts',
      comment: 'Of the workspace libs, use cases may import only @shop/shared-kernel and @shop/contracts.',
      severity: 'error',
      from: { path: layer('application'), pathNot: TEST_CODE },
      to: { path: [`${ROOT}libs/`, TOOLS], pathNot: LIB('shared-kernel|contracts') },
    },

    // ---------------------------------------------------------------- infrastructure
    {
      name: 'infrastructure-no-interface',
      comment: 'Infrastructure implements application ports; it never imports the interface layer.',
      severity: 'error',
      from: { path: layer('infrastructure') },
      to: { path: `${ROOT}apps/$1/src/interface/` },
    },

    // ---------------------------------------------------------------- interface
    {
      name: 'interface-no-infrastructure',
      comment: 'Controllers and consumers call use cases; they never reach into infrastructure.',
      severity: 'error',
      from: { path: layer('interface') },
      to: { path: `${ROOT}apps/$1/src/infrastructure/` },
    },
    {
      name: 'interface-no-domain',
      comment: 'The interface layer sees only what use cases return (application) and contracts, never the domain model.',
      severity: 'error',
      from: { path: layer('interface'), pathNot: TEST_CODE },
      to: { path: `${ROOT}apps/$1/src/domain/` },
    },
    {
      name: 'interface-no-persistence-or-broker',
      comment: 'The interface layer never touches TypeORM, SQL drivers or AMQP directly.',
      severity: 'error',
      from: { path: layer('interface'), pathNot: TEST_CODE },
      to: { path: npm(DB_AND_BROKER) },
    },

    // ---------------------------------------------------------------- libs
    {
      name: 'lib-no-app-or-tool',
      comment: 'Libs never import apps or tools.',
      severity: 'error',
      from: { path: `${ROOT}libs/` },
      to: { path: [`${ROOT}apps/`, TOOLS] },
    },
    {
      name: 'shared-kernel-no-npm-package',
      comment: 'shared-kernel is plain TypeScript: no npm package (node builtins are fine).',
      severity: 'error',
      from: { path: LIB('shared-kernel'), pathNot: TEST_CODE },
      to: { path: NPM },
    },
    {
      name: 'shared-kernel-no-other-lib',
      comment: 'shared-kernel imports no other workspace lib.',
      severity: 'error',
      from: { path: LIB('shared-kernel'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('shared-kernel') },
    },
    {
      name: 'contracts-only-shared-kernel',
      comment: 'contracts (the published language) imports only shared-kernel among the workspace libs.',
      severity: 'error',
      from: { path: LIB('contracts'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('contracts|shared-kernel') },
    },
    {
      name: 'contracts-npm-only-ajv',
      comment: 'contracts may use only typebox (the schema builder), ajv and ajv-formats among npm packages.',
      severity: 'error',
      from: { path: LIB('contracts'), pathNot: TEST_CODE },
      to: { path: NPM, pathNot: npm('typebox|ajv|ajv-formats') },
    },
    {
      name: 'persistence-only-shared-kernel',
      comment: 'persistence imports only shared-kernel among the workspace libs.',
      severity: 'error',
      from: { path: LIB('persistence'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('persistence|shared-kernel') },
    },
    {
      name: 'messaging-allowed-libs',
      comment: 'messaging imports only shared-kernel, observability, contracts and persistence among the workspace libs.',
      severity: 'error',
      from: { path: LIB('messaging'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('messaging|shared-kernel|observability|contracts|persistence') },
    },
    {
      name: 'observability-only-shared-kernel',
      comment: 'observability (logger, message context) imports only shared-kernel among the workspace libs: every other lib may log.',
      severity: 'error',
      from: { path: LIB('observability'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('observability|shared-kernel') },
    },
    {
      name: 'scheduler-allowed-libs',
      comment: 'scheduler imports only shared-kernel, observability and persistence among the workspace libs.',
      severity: 'error',
      from: { path: LIB('scheduler'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('scheduler|shared-kernel|observability|persistence') },
    },
    {
      name: 'runtime-allowed-libs',
      comment: 'runtime (environment, database and transport selection, process lifecycle) sits above the platform libs and below the apps.',
      severity: 'error',
      from: { path: LIB('runtime'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('runtime|shared-kernel|observability|contracts|persistence|messaging|http|scheduler') },
    },
    {
      name: 'http-allowed-libs',
      comment:
        'http (the HTTP edge every app shares) imports only shared-kernel, observability, contracts, persistence and messaging among the workspace libs.',
      severity: 'error',
      from: { path: LIB('http'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('http|shared-kernel|observability|contracts|persistence|messaging') },
    },
    {
      name: 'client-no-workspace-lib',
      comment: 'client (@shop/client) is published on its own for front-ends: it imports no other workspace lib.',
      severity: 'error',
      from: { path: LIB('client'), pathNot: TEST_CODE },
      to: { path: `${ROOT}libs/`, pathNot: LIB('client') },
    },
    {
      name: 'client-npm-only-openapi-fetch',
      comment:
        'client may use only openapi-fetch, its one published dependency, among npm packages (anything else would be missing once installed from the registry).',
      severity: 'error',
      from: { path: LIB('client'), pathNot: TEST_CODE },
      to: { path: NPM, pathNot: npm('openapi-fetch') },
    },
    {
      name: 'no-circular-between-libs',
      comment: 'No dependency cycle that leaves a lib: the libs form a DAG.',
      severity: 'error',
      from: { path: `${ROOT}libs/([^/]+)/` },
      to: { circular: true, via: { pathNot: `${ROOT}libs/$1/` } },
    },

    // ---------------------------------------------------------------- hygiene
    {
      name: 'no-unresolvable-import',
      comment: 'Every import must resolve (a typo, a missing package or a missing file would otherwise slip past every rule above).',
      severity: 'error',
      from: { path: `${ROOT}(?:apps|libs|tools)/` },
      to: { couldNotResolve: true },
    },
  ],

  options: {
    // Never follow into packages: an import into node_modules stays a leaf whose resolved path
    // (node_modules/<pkg>/...) the rules above match.
    doNotFollow: { path: NPM },
    // Build output of the workspace packages, and the fixture tree (the fixture tests cruise it
    // with `exclude` overridden). Not a bare `dist/`: that would also drop imports of packages
    // whose entry lives in node_modules/<pkg>/dist/ (rxjs, ...) and so hide them from the rules.
    exclude: { path: [DIST, '^tools/arch/fixtures(?:/|$)'] },
    // Type-only imports count: `import type { Repository } from 'typeorm'` in the domain is a violation.
    tsPreCompilationDeps: true,
    // TS resolution; './x.js' specifiers resolve to './x.ts' (dependency-cruiser maps them like tsc).
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      // Workspace packages (@shop/*) resolve through package.json `exports` with the custom
      // condition "@shop/source" to their src/index.ts, so no build is needed.
      exportsFields: ['exports'],
      conditionNames: ['@shop/source', 'import', 'require', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
    },
    moduleSystems: ['es6', 'cjs', 'tsd'],
    skipAnalysisNotInRules: true,
  },
};
