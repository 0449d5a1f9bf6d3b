import { newId } from '@shop/shared-kernel';
import { PayableOrder } from '../payable-order.js';
import { Payment, type StartPayment } from '../payment.js';
import type { PaymentStatus } from '../payment-status.js';

export const MOTHER_EPOCH = new Date('2026-01-01T00:00:00.000Z');
/** What the mother's payments are of (20 000 fen: 200 yuan). */
export const MOTHER_AMOUNT = 20_000;
export const MINUTE = 60_000;

export const at = (minutes: number): Date => new Date(MOTHER_EPOCH.getTime() + minutes * MINUTE);

/** The one place that knows how to make valid payments and payable orders; tests say only what matters to them. */
export const PaymentMother = {
  /** A PENDING payment through the sandbox (nothing recorded: a start announces nothing). */
  pending(overrides: Partial<StartPayment> = {}): Payment {
    return Payment.start({ id: newId(), orderId: newId(), userId: newId(), amount: MOTHER_AMOUNT, provider: 'sandbox', at: MOTHER_EPOCH, ...overrides });
  },

  /** A payment in `status`, reached along the legal path, its events pulled (as if saved). */
  inStatus(status: PaymentStatus, overrides: Partial<StartPayment> = {}): Payment {
    const payment = PaymentMother.pending(overrides);
    const amount = payment.amount;
    if (status === 'FAILED') payment.fail({ reason: 'DECLINED', detail: 'card declined', at: at(1) });
    if (status === 'SUCCEEDED' || status === 'REFUNDING' || status === 'REFUNDED')
      payment.succeed({ providerPaymentId: 'sbx_1', amount, currency: 'CNY', at: at(1) });
    if (status === 'REFUNDING' || status === 'REFUNDED') payment.requestRefund({ reason: 'CUSTOMER_REQUEST', amount, refundId: newId(), at: at(2) });
    if (status === 'REFUNDED') payment.refundSucceeded(at(3));
    payment.pullDomainEvents();
    return payment;
  },

  /** An order awaiting payment of `payable` (MOTHER_AMOUNT) until `paymentDueAt` (15 minutes after the epoch). */
  awaitingOrder(overrides: { orderId?: string; userId?: string; payable?: number; paymentDueAt?: Date } = {}): PayableOrder {
    return PayableOrder.awaiting({
      orderId: overrides.orderId ?? newId(),
      userId: overrides.userId ?? newId(),
      payable: overrides.payable ?? MOTHER_AMOUNT,
      paymentDueAt: overrides.paymentDueAt ?? at(15),
      at: MOTHER_EPOCH,
    });
  },
};
