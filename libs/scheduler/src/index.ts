export * from './scheduled-job.js';
export * from './scheduler-metrics.js';
export * from './job-lease.js';
export * from './job-scheduler.js';
export * from './migrations/index.js';
export * from './nest/scheduled-jobs.js';
