import type { AdminPaymentView as AdminPaymentResponse, PaymentView as PaymentResponse, SandboxSimulation } from '@shop/contracts';
import type { PaymentRefundSnapshot, PaymentSnapshot } from '../domain/payment.js';

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

export function paymentViewOf(payment: PaymentSnapshot): PaymentView {
  return {
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    amount: payment.amount,
    // The contract's literal: every payment is in CNY (the domain refuses a provider's report in another).
    currency: 'CNY',
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
