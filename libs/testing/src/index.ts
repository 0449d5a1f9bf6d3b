export * from './wait-for.js';
export * from './test-services.js';
export * from './event-probe.js';
export * from './tcp-proxy.js';
export * from './envelope.mother.js';
export * from './in-memory-unit-of-work.js';
export * from './in-memory-event-outbox.js';
export * from './in-memory-aggregate-repository.js';
