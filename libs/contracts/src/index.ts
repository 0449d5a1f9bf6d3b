export * from './envelope.js';
export * from './schema-registry.js';
export * from './published-language.js';
export * from './events/user.events.js';
export * from './http/user.http.js';
export * from './subscriptions.js';
