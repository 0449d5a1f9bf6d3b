export * from './payment.events.js';
