import { CreatePaymentTables1739000000000 } from './1739000000000-create-payment-tables.js';

/** The payment context's own migrations, in order; `contextModule` runs them after the platform's (messaging, scheduler, idempotency). */
export const paymentMigrations = [CreatePaymentTables1739000000000];
