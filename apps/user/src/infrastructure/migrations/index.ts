import { CreateUsersTable1732100000000 } from './1732100000000-create-users-table.js';

/** The user context's own migrations, in order; the composition root lists them after `messagingMigrations`. */
export const userMigrations = [CreateUsersTable1732100000000];
