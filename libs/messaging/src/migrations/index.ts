import { CreateMessagingTables1732000000000 } from './1732000000000-create-messaging-tables.js';
import { OutboxSequenceAndDeadRows1733000000000 } from './1733000000000-outbox-sequence-and-dead-rows.js';
import { OutboxPendingBackoffIndex1733000000100 } from './1733000000100-outbox-pending-backoff-index.js';
import { DeliveryRetries1733000000500 } from './1733000000500-delivery-retries.js';
import { OutboxTraceContext1733000000600 } from './1733000000600-outbox-trace-context.js';

/** The messaging tables' migrations, to list first among a service's own. */
export const messagingMigrations = [
  CreateMessagingTables1732000000000,
  OutboxSequenceAndDeadRows1733000000000,
  OutboxPendingBackoffIndex1733000000100,
  DeliveryRetries1733000000500,
  OutboxTraceContext1733000000600,
];
