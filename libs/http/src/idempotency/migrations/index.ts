import { CreateIdempotencyKeys1734500000000 } from './1734500000000-create-idempotency-keys.js';

/** The `Idempotency-Key` table, for a service with `@Idempotent()` routes to list beside its own migrations. */
export const idempotencyMigrations = [CreateIdempotencyKeys1734500000000];
