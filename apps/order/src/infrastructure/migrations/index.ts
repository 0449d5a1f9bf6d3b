import { CreateOrderTables1738000000000 } from './1738000000000-create-order-tables.js';

/** The order context's own migrations, in order; `contextModule` runs them after the platform's (messaging, scheduler, idempotency). */
export const orderMigrations = [CreateOrderTables1738000000000];
