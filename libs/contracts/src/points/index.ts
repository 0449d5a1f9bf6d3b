export * from './points.events.js';
export * from './points.http.js';
export * from './points.context.js';
