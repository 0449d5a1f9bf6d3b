import { defineContext } from '../context.js';
import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1 } from '../order/order.events.js';
import { SAGA_STEP_RETRY_DELAYS_MS } from '../saga-retry.js';
import { UserRegisteredV1 } from '../user/user.events.js';
import { POINTS_ROUTES } from './points.http.js';
import { PointsReservationRejectedV1, PointsReservedV1 } from './points.events.js';

/** The points context: accounts and their append-only ledger, the sign-up bonus, earning, and its part in the order saga (DESIGN.md sections 5 and 6). */
export const pointsContext = defineContext({
  name: 'points',
  port: 3004,
  events: [PointsReservedV1, PointsReservationRejectedV1],
  routes: POINTS_ROUTES,
  tags: { points: 'Points balance and ledger' },
  subscribes: {
    events: [UserRegisteredV1, OrderPlacedV1, OrderCancelledV1, OrderPaidV1, OrderRefundedV1],
    // A step may be far ahead of its predecessor (a payment before its placement): see SAGA_STEP_RETRY_DELAYS_MS.
    retryDelaysMs: SAGA_STEP_RETRY_DELAYS_MS,
  },
});
