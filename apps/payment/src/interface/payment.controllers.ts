import type { Type } from '@nestjs/common';
import { AdminPaymentsController } from './http/admin-payments.controller.js';
import { PaymentCallbackController } from './http/payment-callback.controller.js';
import { PaymentsController } from './http/payments.controller.js';
import { ClosePaymentOnOrderCancelled } from './messaging/close-payment-on-order-cancelled.controller.js';
import { ClosePaymentOnOrderPaid } from './messaging/close-payment-on-order-paid.controller.js';
import { OpenPaymentOnOrderAwaitingPayment } from './messaging/open-payment-on-order-awaiting-payment.controller.js';
import { RefundPaymentOnRefundRequested } from './messaging/refund-payment-on-refund-requested.controller.js';

/** The routes of PAYMENT_ROUTES, one controller per audience (customers' payments, the provider's callback, admins). */
export const paymentHttpControllers: Type[] = [PaymentsController, PaymentCallbackController, AdminPaymentsController];

/** One consumer per reaction to an event the payment context subscribes to (paymentContext.subscribes). */
export const paymentEventControllers: Type[] = [
  OpenPaymentOnOrderAwaitingPayment,
  ClosePaymentOnOrderCancelled,
  ClosePaymentOnOrderPaid,
  RefundPaymentOnRefundRequested,
];
