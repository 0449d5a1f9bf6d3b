export * from './domain-error.js';
export * from './result.js';
export * from './money.js';
export * from './ids.js';
export * from './clock.js';
export * from './aggregate-root.js';
export * from './ports.js';
export * from './deadline.js';
