// Which spec files are unit tests and which are integration tests: read by the root vitest configs
// (vitest.config.ts, vitest.integration.config.ts) and by the Nx plugin (tools/nx/shop-targets.mjs),
// so a project's `test` and `test:integration` targets run exactly what the whole-tree run does.
// Unit tests: no database server, no broker. Integration tests: real PostgreSQL and RabbitMQ.

const BUILT = ['**/node_modules/**', '**/dist/**'];

export const unitTests = {
  include: ['{apps,libs,tools}/*/src/**/*.spec.ts', 'tools/*/test/**/*.spec.ts'],
  // tools/e2e/test starts the built apps against the real servers, and tools/images/test assembles and
  // starts the apps' image trees on them: integration tests.
  exclude: [...BUILT, 'tools/e2e/**', 'tools/images/test/image-tree.spec.ts'],
};

export const integrationTests = {
  include: ['{apps,libs}/*/test/**/*.spec.ts', 'tools/e2e/test/**/*.spec.ts', 'tools/images/test/image-tree.spec.ts'],
  exclude: BUILT,
};
