// `@shop/runtime/testing`: what every context's test harness shares (its service started on a database and
// broker of its own, its HTTP client). Test code only: tsconfig.lib.json builds src/, so this entry resolves
// only under the '@shop/source' condition, as tests, typecheck and lint resolve it. It lives here, not in
// @shop/testing, because it starts services through this package, whose own specs use @shop/testing: from
// @shop/testing it would make the two packages depend on each other.
export * from './context-service-home.js';
export * from './context-api.js';
export * from './service-test-database.js';
export * from './service-test-outbox.js';
