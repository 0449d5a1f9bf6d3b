export * from './order.events.js';
export * from './order.http.js';
export * from './order.context.js';
