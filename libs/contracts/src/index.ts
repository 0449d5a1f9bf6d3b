// The schema builder contracts are written with, for code that defines a contract of its own (tests, benchmarks).
export { Type, type Static, type TSchema } from 'typebox';
export * from './envelope.js';
export * from './schema-check.js';
export * from './schema-registry.js';
export * from './http-route.js';
export * from './paging.js';
export * from './context.js';
export * from './contexts.js';
export * from './awaited-events.js';
export * from './published-language.js';
export * from './subscriptions.js';
export * from './saga-retry.js';
export * from './event-routing.js';
export * from './asyncapi/index.js';
