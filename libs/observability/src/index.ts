export * from './message-context.js';
export * from './logger.js';
export * from './tracing.js';
export * from './trace-context.js';
export * from './span-attributes.js';
