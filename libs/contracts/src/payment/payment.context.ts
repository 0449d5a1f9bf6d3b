import { defineContext } from '../context.js';
import { OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1 } from '../order/order.events.js';
import { SAGA_STEP_RETRY_DELAYS_MS } from '../saga-retry.js';
import { PAYMENT_ROUTES } from './payment.http.js';
import { PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from './payment.events.js';

/**
 * The payment context: payments of orders through a provider (the built-in sandbox, or a real one behind
 * the same port), its signed callbacks, reconciliation of what the provider did not tell, and refunds
 * retried until the provider gives the money back (DESIGN.md sections 5 and 6).
 */
export const paymentContext = defineContext({
  name: 'payment',
  port: 3005,
  events: [PaymentSucceededV1, PaymentFailedV1, PaymentRefundedV1],
  routes: PAYMENT_ROUTES,
  tags: { payments: 'Paying for orders', 'payment-admin': 'Payments and refunds, for admins' },
  subscribes: {
    events: [OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1],
    // A refund request may overtake the payment it names, a cancellation its awaiting: see SAGA_STEP_RETRY_DELAYS_MS.
    retryDelaysMs: SAGA_STEP_RETRY_DELAYS_MS,
  },
});
