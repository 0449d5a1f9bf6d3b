import { assertFen, assertUuid, canonicalId, InvalidValueError } from '@shop/shared-kernel';
import { OrderNotFoundError, OrderNotPayableError } from './payment.errors.js';

/** What the payment context knows of an order: awaiting payment, or closed for good (paid, cancelled). */
export const PAYABLE_ORDER_STATES = ['AWAITING_PAYMENT', 'PAID', 'CANCELLED'] as const;
export type PayableOrderState = (typeof PAYABLE_ORDER_STATES)[number];

export interface PayableOrderSnapshot {
  readonly orderId: string;
  readonly userId: string;
  /** What is left to pay, whole fen (0: a coupon and points covered it; also on an order closed before it was seen). */
  readonly payable: number;
  /** When the order stops awaiting payment; null on an order closed before it was seen. */
  readonly paymentDueAt: Date | null;
  readonly state: PayableOrderState;
  readonly updatedAt: Date;
}

/**
 * The payment context's own projection of an order (DESIGN.md section 5: no synchronous call to the
 * order service), from `order.awaiting-payment.v1`, `order.cancelled.v1` and `order.paid.v1`. PAID and
 * CANCELLED are final: whatever arrives after them (a late or repeated awaiting) changes nothing. A
 * cancellation that overtakes the awaiting leaves a CANCELLED tombstone, so the awaiting arriving after
 * it cannot open the order for payment.
 */
export class PayableOrder {
  private constructor(private snapshot: PayableOrderSnapshot) {}

  /** The order awaits payment of `payable` fen until `paymentDueAt`. */
  static awaiting(command: { orderId: string; userId: string; payable: number; paymentDueAt: Date; at: Date }): PayableOrder {
    const payable = assertFen('payable', command.payable);
    if (!(command.paymentDueAt instanceof Date) || Number.isNaN(command.paymentDueAt.getTime()))
      throw new InvalidValueError('paymentDueAt', 'must be an instant');
    return new PayableOrder({
      orderId: assertUuid('orderId', command.orderId),
      userId: assertUuid('userId', command.userId),
      payable,
      paymentDueAt: command.paymentDueAt,
      state: 'AWAITING_PAYMENT',
      updatedAt: command.at,
    });
  }

  /** The order was closed (cancelled, or paid) before its awaiting was seen here. */
  static closedBeforeSeen(orderId: string, userId: string, closedAs: 'CANCELLED' | 'PAID', at: Date): PayableOrder {
    return new PayableOrder({
      orderId: assertUuid('orderId', orderId),
      userId: assertUuid('userId', userId),
      payable: 0,
      paymentDueAt: null,
      state: closedAs,
      updatedAt: at,
    });
  }

  static restore(snapshot: PayableOrderSnapshot): PayableOrder {
    return new PayableOrder(snapshot);
  }

  /** The order was cancelled: CANCELLED, unless it is final already ('unchanged'; a paid order stays PAID). */
  markCancelled(at: Date): 'closed' | 'unchanged' {
    return this.close('CANCELLED', at);
  }

  /** The order was paid: PAID, unless it is final already ('unchanged'). */
  markPaid(at: Date): 'closed' | 'unchanged' {
    return this.close('PAID', at);
  }

  /**
   * Refuses to start a payment of this order for `userId` at `now`: another user's order is not found
   * (ORDER_NOT_FOUND, no leak of its existence); one not awaiting payment, or past its payment deadline,
   * is NOT_PAYABLE.
   */
  assertPayableBy(userId: string, now: Date): void {
    const { orderId, state, paymentDueAt } = this.snapshot;
    if (this.snapshot.userId !== canonicalId(userId)) throw new OrderNotFoundError(orderId);
    if (state !== 'AWAITING_PAYMENT') throw new OrderNotPayableError(orderId, `it is ${state}`);
    if (paymentDueAt !== null && now.getTime() >= paymentDueAt.getTime()) throw new OrderNotPayableError(orderId, 'its payment deadline has passed');
  }

  get orderId(): string {
    return this.snapshot.orderId;
  }
  get userId(): string {
    return this.snapshot.userId;
  }
  get payable(): number {
    return this.snapshot.payable;
  }
  get paymentDueAt(): Date | null {
    return this.snapshot.paymentDueAt;
  }
  get state(): PayableOrderState {
    return this.snapshot.state;
  }
  get updatedAt(): Date {
    return this.snapshot.updatedAt;
  }
  /** Whether nothing can change it any more (PAID, CANCELLED). */
  get final(): boolean {
    return this.snapshot.state !== 'AWAITING_PAYMENT';
  }

  toSnapshot(): PayableOrderSnapshot {
    return { ...this.snapshot };
  }

  private close(to: 'CANCELLED' | 'PAID', at: Date): 'closed' | 'unchanged' {
    if (this.final) return 'unchanged';
    this.snapshot = { ...this.snapshot, state: to, updatedAt: at };
    return 'closed';
  }
}
