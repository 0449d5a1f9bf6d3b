import { CreateCouponTables1736000000000 } from './1736000000000-create-coupon-tables.js';

/** The coupon context's own migrations, in order; `contextModule` runs them after the platform's (messaging, scheduler, idempotency). */
export const couponMigrations = [CreateCouponTables1736000000000];
