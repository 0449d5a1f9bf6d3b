export * from './idempotency-key.js';
export * from './request-fingerprint.js';
export * from './idempotency.options.js';
export * from './idempotency.store.js';
export * from './idempotency.interceptor.js';
export * from './idempotent.decorator.js';
export * from './idempotency.module.js';
export * from './migrations/index.js';
export { IDEMPOTENT_ROUTE } from './idempotency.tokens.js';
