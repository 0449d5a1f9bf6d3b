export * from './message-context.js';
export * from './logger.js';
export * from './tracing.js';
