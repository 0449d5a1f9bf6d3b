export * from './message-context.js';
export * from './logger.js';
