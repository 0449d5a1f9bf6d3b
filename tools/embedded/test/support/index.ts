// The client and steps both run modes' end-to-end specs drive the platform with (`@shop/embedded/testing`):
// these specs and tools/e2e's use the same ones, so a flow reads the same in both.
export * from './gateway-client.js';
export * from './shop-steps.js';
export * from './callback-relay.js';
export * from './placed-order-trace.js';
