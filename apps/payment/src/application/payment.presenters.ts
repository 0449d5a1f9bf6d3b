import type { AdminPaymentView as AdminPaymentResponse, PaymentView as PaymentResponse, SandboxSimulation } from '@shop/contracts';
import type { PaymentRefundSnapshot, PaymentSnapshot } from '../domain/payment.js';
import { PAYMENT_CURRENCY } from '../domain/payment-status.js';

/** A payment as its payer sees it: the HTTP contract's `PaymentView`. */
export type PaymentView = PaymentResponse;
/** A payment as an admin sees it: whose it is besides. */
export type AdminPaymentView = AdminPaymentResponse;
/** What the sandbox was told, the defaults filled in. */
export type SandboxSimulationView = SandboxSimulation;

const iso = (at: Date | null): string | null => at?.toISOString() ?? null;

function refundViewOf(refund: PaymentRefundSnapshot | null): PaymentView['refund'] {
  if (refund === null) return null;
  return {
    reason: refund.reason,
    requestedAt: refund.requestedAt.toISOString(),
    attempts: refund.attempts,
    lastError: refund.lastError,
    nextAttemptAt: iso(refund.nextAttemptAt),
    refundedAt: iso(refund.refundedAt),
  };
}

/** The payment's currency, which the contract knows as one literal (every payment is in CNY): anything else is a bug, never shown as CNY. */
function contractCurrencyOf(payment: PaymentSnapshot): PaymentView['currency'] {
  if (payment.currency !== PAYMENT_CURRENCY) throw new Error(`payment ${payment.paymentId} is in ${payment.currency}, not ${PAYMENT_CURRENCY}`);
  return PAYMENT_CURRENCY;
}

export function paymentViewOf(payment: PaymentSnapshot): PaymentView {
  return {
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    amount: payment.amount,
    currency: contractCurrencyOf(payment),
    status: payment.status,
    provider: payment.provider,
    createdAt: payment.createdAt.toISOString(),
    settledAt: iso(payment.settledAt),
    failureReason: payment.failureReason,
    refund: refundViewOf(payment.refund),
  };
}

export function adminPaymentViewOf(payment: PaymentSnapshot): AdminPaymentView {
  return { ...paymentViewOf(payment), userId: payment.userId };
}
