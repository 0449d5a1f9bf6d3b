export * from './payment.events.js';
export * from './payment.http.js';
export * from './payment.context.js';
