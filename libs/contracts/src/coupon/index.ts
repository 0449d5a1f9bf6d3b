export * from './coupon.events.js';
export * from './coupon.http.js';
export * from './coupon.context.js';
