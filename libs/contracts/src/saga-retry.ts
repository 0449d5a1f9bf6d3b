/**
 * The retry delays of a saga participant's consumer (the points and the order context), about 42 minutes
 * in all (7 attempts), where the default's 36 s would do for a handler that merely failed. A saga step that
 * overtook its predecessor (a payment before its placement or before the reservations are in, a refund
 * before its payment) fails on purpose until the predecessor is in: dead-lettered too soon, it would leave
 * points frozen, an order unpaid or spent points never returned until someone replays it (`npm run dlq`).
 * The first delays stay those of the default, so a step a moment early still goes through at once.
 */
export const SAGA_STEP_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000]);
