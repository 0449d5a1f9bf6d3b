export * from './config/load-config.js';
export * from './config/config-validators.js';
export { str } from 'envalid';
export * from './service-runtime.js';
export * from './nest-runtime.js';
export * from './context-service.js';
export * from './context-module.js';
