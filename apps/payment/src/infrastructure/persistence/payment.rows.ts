import { numberOf } from '@shop/persistence';
import type { PayableOrderSnapshot, PayableOrderState } from '../../domain/payable-order.js';
import type { PaymentFailureReason, PaymentStatus } from '../../domain/payment-status.js';
import type { PaymentSnapshot } from '../../domain/payment.js';

type Bigint = string | number;

export const PAYMENT_COLUMNS =
  'payment_id, order_id, user_id, amount, currency, status, provider, provider_payment_id, failure_reason, failure_detail, created_at, settled_at, ' +
  'refund_id, refund_reason, refund_requested_at, refund_attempts, refund_last_error, refund_next_attempt_at, refunded_at, version';
export const PAYABLE_ORDER_COLUMNS = 'order_id, user_id, payable, payment_due_at, state, updated_at';

/** A row of `payment` as the drivers return it (PostgreSQL: BIGINT as a string, CHAR(3) as is). */
export interface PaymentRow {
  payment_id: string;
  order_id: string;
  user_id: string;
  amount: Bigint;
  currency: string;
  status: string;
  provider: string;
  provider_payment_id: string | null;
  failure_reason: string | null;
  failure_detail: string | null;
  created_at: Bigint;
  settled_at: Bigint | null;
  refund_id: string | null;
  refund_reason: string | null;
  refund_requested_at: Bigint | null;
  refund_attempts: Bigint;
  refund_last_error: string | null;
  refund_next_attempt_at: Bigint | null;
  refunded_at: Bigint | null;
  version: Bigint;
}

export interface PayableOrderRow {
  order_id: string;
  user_id: string;
  payable: Bigint;
  payment_due_at: Bigint | null;
  state: string;
  updated_at: Bigint;
}

const dateOf = (value: Bigint): Date => new Date(numberOf(value));
const dateOrNull = (value: Bigint | null): Date | null => (value === null ? null : dateOf(value));
const timeOrNull = (at: Date | null): number | null => at?.getTime() ?? null;

/** The payment a row holds. The columns' CHECKs admit only the values of the domain's lists; a refund's columns are all set or none (refund_id). */
export function paymentSnapshotOf(row: PaymentRow): PaymentSnapshot {
  return {
    paymentId: row.payment_id,
    orderId: row.order_id,
    userId: row.user_id,
    amount: numberOf(row.amount),
    currency: row.currency,
    status: row.status as PaymentStatus,
    provider: row.provider,
    providerPaymentId: row.provider_payment_id,
    failureReason: row.failure_reason as PaymentFailureReason | null,
    failureDetail: row.failure_detail,
    createdAt: dateOf(row.created_at),
    settledAt: dateOrNull(row.settled_at),
    refund:
      row.refund_id === null
        ? null
        : {
            refundId: row.refund_id,
            reason: row.refund_reason ?? '',
            requestedAt: dateOf(row.refund_requested_at ?? 0),
            attempts: numberOf(row.refund_attempts),
            lastError: row.refund_last_error,
            nextAttemptAt: dateOrNull(row.refund_next_attempt_at),
            refundedAt: dateOrNull(row.refunded_at),
          },
    version: numberOf(row.version),
  };
}

/** The values of `payment`'s columns but `version` (the first 19 of `PAYMENT_COLUMNS`), in that order. */
export const paymentValues = (state: PaymentSnapshot): unknown[] => [
  state.paymentId,
  state.orderId,
  state.userId,
  state.amount,
  state.currency,
  state.status,
  state.provider,
  state.providerPaymentId,
  state.failureReason,
  state.failureDetail,
  state.createdAt.getTime(),
  timeOrNull(state.settledAt),
  state.refund?.refundId ?? null,
  state.refund?.reason ?? null,
  timeOrNull(state.refund?.requestedAt ?? null),
  state.refund?.attempts ?? 0,
  state.refund?.lastError ?? null,
  timeOrNull(state.refund?.nextAttemptAt ?? null),
  timeOrNull(state.refund?.refundedAt ?? null),
];

export function payableOrderSnapshotOf(row: PayableOrderRow): PayableOrderSnapshot {
  return {
    orderId: row.order_id,
    userId: row.user_id,
    payable: numberOf(row.payable),
    paymentDueAt: dateOrNull(row.payment_due_at),
    state: row.state as PayableOrderState,
    updatedAt: dateOf(row.updated_at),
  };
}

export const payableOrderValues = (state: PayableOrderSnapshot): unknown[] => [
  state.orderId,
  state.userId,
  state.payable,
  timeOrNull(state.paymentDueAt),
  state.state,
  state.updatedAt.getTime(),
];
