import { defineContext } from '../context.js';
import { CouponReservationRejectedV1, CouponReservedV1 } from '../coupon/coupon.events.js';
import { PaymentRefundedV1, PaymentSucceededV1 } from '../payment/payment.events.js';
import { PointsReservationRejectedV1, PointsReservedV1 } from '../points/points.events.js';
import { SAGA_STEP_RETRY_DELAYS_MS } from '../saga-retry.js';
import { ORDER_ROUTES } from './order.http.js';
import { OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1, OrderRefundRequestedV1 } from './order.events.js';

/** The order context: the catalog, orders priced by the server, the reservation saga, payment deadlines and the lifecycle to completion (DESIGN.md sections 5 and 6). */
export const orderContext = defineContext({
  name: 'order',
  port: 3002,
  events: [OrderPlacedV1, OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1, OrderRefundedV1],
  routes: ORDER_ROUTES,
  tags: { catalog: 'The product catalog', orders: 'Placing and following orders', 'order-admin': 'Order fulfilment, for admins' },
  subscribes: {
    events: [CouponReservedV1, CouponReservationRejectedV1, PointsReservedV1, PointsReservationRejectedV1, PaymentSucceededV1, PaymentRefundedV1],
    // A payment may arrive before the reservations are in, a refund before its payment: see SAGA_STEP_RETRY_DELAYS_MS.
    retryDelaysMs: SAGA_STEP_RETRY_DELAYS_MS,
  },
});
