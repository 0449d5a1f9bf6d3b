export * from './database-options.js';
export * from './data-source.factory.js';
export * from './postgres-database.js';
export * from './serial-queue.js';
export * from './transaction-host.js';
export * from './sql-dialect.js';
export * from './private-files.js';
export * from './connection-errors.js';
