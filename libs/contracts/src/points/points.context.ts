import { defineContext } from '../context.js';
import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1 } from '../order/order.events.js';
import { UserRegisteredV1 } from '../user/user.events.js';
import { POINTS_ROUTES } from './points.http.js';
import { PointsReservationRejectedV1, PointsReservedV1 } from './points.events.js';

/**
 * The points consumer's retry delays, about 42 minutes in all (7 attempts), where the default's 36 s
 * would do for a handler that merely failed. A saga step that overtook its predecessor (a payment before
 * its placement, a refund before its payment) fails on purpose until the predecessor is in: dead-lettered
 * too soon, it would leave points frozen or spent points never returned until someone replays it
 * (`npm run dlq`). The first delays stay short, so a step a moment early still goes through at once.
 */
export const POINTS_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000]);

/** The points context: accounts and their append-only ledger, the sign-up bonus, earning, and its part in the order saga (DESIGN.md sections 5 and 6). */
export const pointsContext = defineContext({
  name: 'points',
  port: 3004,
  events: [PointsReservedV1, PointsReservationRejectedV1],
  routes: POINTS_ROUTES,
  tags: { points: 'Points balance and ledger' },
  subscribes: {
    events: [UserRegisteredV1, OrderPlacedV1, OrderCancelledV1, OrderPaidV1, OrderRefundedV1],
    retryDelaysMs: POINTS_RETRY_DELAYS_MS,
  },
});
