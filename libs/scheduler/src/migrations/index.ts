import { CreateScheduledJob1734200000000 } from './1734200000000-create-scheduled-job.js';

/** The scheduler's table: a service that declares jobs adds `...schedulerMigrations` to its migrations. */
export const schedulerMigrations = [CreateScheduledJob1734200000000];
