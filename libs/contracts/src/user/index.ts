export * from './user.events.js';
export * from './user.http.js';
export * from './user.context.js';
