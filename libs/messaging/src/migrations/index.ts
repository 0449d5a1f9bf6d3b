import { CreateMessagingTables1732000000000 } from './1732000000000-create-messaging-tables.js';

/** The messaging tables' migrations, to list first among a service's own. */
export const messagingMigrations = [CreateMessagingTables1732000000000];
