import { AggregateRoot, assertFen, assertUuid, canonicalId, InvalidValueError, Money } from '@shop/shared-kernel';
import { checkedOrderRequest } from './order-items.js';
import { InvalidOrderStateError, OrderNotAwaitingPaymentYetError, PointsExceedSubtotalError, RefundBeforePaymentError } from './order.errors.js';
import type { OrderEvent } from './order.events.js';
import type { OrderLine, OrderLineSnapshot } from './order-line.js';
import {
  canMoveTo,
  COUPON_REJECTION_REASONS,
  PAYMENT_REFUNDED,
  POINTS_REJECTION_REASONS,
  REFUNDABLE_STATUSES,
  type CouponRejectionReason,
  type OrderCancelReason,
  type OrderStatus,
  type PointsRejectionReason,
  type RefundReason,
  type ReservationStep,
} from './order-status.js';

/** What a reservation's reply did to the order's saga. */
export type SagaReplyOutcome =
  /** This reservation is in; the other one is still awaited. */
  | 'awaiting-other'
  /** Every reservation is in: AWAITING_PAYMENT with the payable. */
  | 'awaiting-payment'
  /** A rejection, or a discount and points beyond the subtotal: CANCELLED. */
  | 'cancelled'
  /** Late (the order decided already), duplicated, or naming another coupon or number of points: nothing changed. */
  | 'ignored';

export type PaymentOutcome = 'paid' | 'duplicate' | 'refund-requested';
/**
 * What a refund did: 'refunded' (the captured payment: REFUNDED), 'stray-refunded' (one the order refused),
 * 'duplicate' (seen before), 'amount-mismatch' (not the payment's whole amount: nothing changed).
 */
export type RefundOutcome = 'refunded' | 'stray-refunded' | 'duplicate' | 'amount-mismatch';
export type ExpireOutcome = 'cancelled' | 'not-due';

/** A payment the order heard of: the one it captured, or one it asked to be refunded (late, duplicate, wrong amount). */
export interface OrderPaymentSnapshot {
  readonly paymentId: string;
  readonly amount: number;
  /** True for the one payment that paid the order. */
  readonly captured: boolean;
  readonly refundStatus: 'NONE' | 'REQUESTED' | 'REFUNDED';
  /** Why the order asked for its refund; null when it did not ask (not yet, or the provider refunded by itself). */
  readonly refundReason: RefundReason | null;
  readonly recordedAt: Date;
  readonly updatedAt: Date;
}

export interface OrderHistoryEntry {
  readonly status: OrderStatus;
  readonly at: Date;
  /** The cancel reason on CANCELLED, why on REFUNDING; null otherwise. */
  readonly reason: string | null;
}

/** Everything an order is made of, as stored; only repositories restore one from it. */
export interface OrderSnapshot {
  readonly orderId: string;
  readonly userId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLineSnapshot[];
  readonly subtotal: number;
  readonly couponId: string | null;
  readonly couponStep: ReservationStep;
  /** The coupon's discount, 0 until it is reserved. */
  readonly couponDiscount: number;
  readonly pointsToUse: number;
  readonly pointsStep: ReservationStep;
  /** subtotal − discount − points, set once every reservation is in; null until then (and on an order cancelled before). */
  readonly payable: number | null;
  readonly cancelReason: OrderCancelReason | null;
  /** When a PENDING order stops waiting for its reservations; null when it waited for none. */
  readonly reservationDueAt: Date | null;
  /** When an AWAITING_PAYMENT order is cancelled unpaid; null until it awaits payment. */
  readonly paymentDueAt: Date | null;
  readonly payments: readonly OrderPaymentSnapshot[];
  readonly history: readonly OrderHistoryEntry[];
  readonly placedAt: Date;
  readonly updatedAt: Date;
}

/**
 * The points frozen for an order: its pointsToUse once the points context reserved them, 0 until then
 * (and on an order cancelled before). As reserved: a cancelled order's points were released again.
 */
export function pointsUsedOf(order: Pick<OrderSnapshot, 'pointsStep' | 'pointsToUse'>): number {
  return order.pointsStep === 'RESERVED' ? order.pointsToUse : 0;
}

export interface PlaceOrder {
  readonly orderId: string;
  readonly userId: string;
  readonly lines: readonly OrderLine[];
  readonly couponId: string | null;
  readonly pointsToUse: number;
  readonly placedAt: Date;
  readonly reservationTimeoutMs: number;
  readonly paymentTimeoutMs: number;
}

function timeout(field: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 1) throw new InvalidValueError(field, `must be a whole number of milliseconds ≥ 1, got ${ms}`);
  return ms;
}

/**
 * An order and its part of the checkout saga (DESIGN.md sections 5 and 6), as one persisted process:
 * it knows which reservations it waits for (coupon, points), decides once (AWAITING_PAYMENT with the
 * payable, or CANCELLED with a reason), and ignores whatever arrives after that decision. Every status
 * change goes through the transition table and is kept in `history`; an illegal one throws
 * INVALID_STATE. Payments it cannot keep (after a cancellation, a second one, another amount) are
 * recorded and a refund of each is asked for, the status unchanged.
 */
export class Order extends AggregateRoot<OrderEvent> {
  private state: OrderSnapshot;

  private constructor(snapshot: OrderSnapshot) {
    super();
    this.state = snapshot;
  }

  /**
   * PENDING, waiting for the coupon iff there is one and for the points iff it uses some; waiting for
   * neither, it awaits payment at once (both steps in history, order.placed then order.awaiting-payment).
   * Refuses what `checkedOrderRequest` refuses (the lines' count, skus and quantities, the points' bounds),
   * and more points than the subtotal (POINTS_EXCEED_SUBTOTAL).
   */
  static place(command: PlaceOrder): Order {
    const { lines, placedAt } = command;
    const { pointsToUse } = checkedOrderRequest({
      items: lines.map((line) => ({ sku: line.sku.value, quantity: line.quantity })),
      pointsToUse: command.pointsToUse,
    });
    const subtotal = lines.reduce((sum, line) => sum.add(line.lineTotal), Money.ZERO).minor;
    if (pointsToUse > subtotal) throw new PointsExceedSubtotalError(pointsToUse, subtotal);
    const reservationTimeoutMs = timeout('reservationTimeoutMs', command.reservationTimeoutMs);
    const paymentTimeoutMs = timeout('paymentTimeoutMs', command.paymentTimeoutMs);

    const couponId = command.couponId === null ? null : assertUuid('couponId', command.couponId);
    const couponStep: ReservationStep = couponId === null ? 'NOT_REQUIRED' : 'WAITING';
    const pointsStep: ReservationStep = pointsToUse > 0 ? 'WAITING' : 'NOT_REQUIRED';
    const waits = couponStep === 'WAITING' || pointsStep === 'WAITING';
    const order = new Order({
      orderId: assertUuid('orderId', command.orderId),
      userId: assertUuid('userId', command.userId),
      status: 'PENDING',
      lines: lines.map((line) => line.toSnapshot()),
      subtotal,
      couponId,
      couponStep,
      couponDiscount: 0,
      pointsToUse,
      pointsStep,
      payable: null,
      cancelReason: null,
      reservationDueAt: waits ? new Date(placedAt.getTime() + reservationTimeoutMs) : null,
      paymentDueAt: null,
      payments: [],
      history: [{ status: 'PENDING', at: placedAt, reason: null }],
      placedAt,
      updatedAt: placedAt,
    });
    order.record({
      type: 'OrderPlaced',
      aggregateId: order.id,
      occurredAt: placedAt,
      userId: order.userId,
      lines: order.state.lines,
      subtotal,
      couponId,
      pointsToUse,
    });
    if (!waits) order.decide(placedAt, paymentTimeoutMs);
    return order;
  }

  static restore(snapshot: OrderSnapshot): Order {
    return new Order(snapshot);
  }

  // ── the saga's replies ────────────────────────────────────────────────────────────────────────────

  /** The coupon context locked the order's coupon with this discount. */
  recordCouponReserved(reply: { couponId: string; discount: number; at: Date; paymentTimeoutMs: number }): SagaReplyOutcome {
    if (!this.awaitsCoupon(reply.couponId)) return 'ignored';
    const discount = assertFen('discount', reply.discount);
    this.state = { ...this.state, couponStep: 'RESERVED', couponDiscount: discount, updatedAt: reply.at };
    return this.afterReservation('coupon', reply.at, reply.paymentTimeoutMs);
  }

  /** The coupon context refused the order's coupon: CANCELLED with `COUPON_<reason>`. */
  recordCouponRejected(reply: { couponId: string; reason: CouponRejectionReason; at: Date }): SagaReplyOutcome {
    if (!(COUPON_REJECTION_REASONS as readonly string[]).includes(reply.reason))
      throw new InvalidValueError('reason', `unknown coupon rejection ${reply.reason}`);
    if (!this.awaitsCoupon(reply.couponId)) return 'ignored';
    this.cancel(`COUPON_${reply.reason}`, reply.at);
    this.state = { ...this.state, couponStep: 'REJECTED' };
    return 'cancelled';
  }

  /** The points context froze the order's points (exactly `pointsToUse`, or the reply is ignored). */
  recordPointsReserved(reply: { points: number; at: Date; paymentTimeoutMs: number }): SagaReplyOutcome {
    if (!this.awaitsPoints() || reply.points !== this.state.pointsToUse) return 'ignored';
    this.state = { ...this.state, pointsStep: 'RESERVED', updatedAt: reply.at };
    return this.afterReservation('points', reply.at, reply.paymentTimeoutMs);
  }

  /** The points context refused to freeze the order's points: CANCELLED with `POINTS_<reason>`. */
  recordPointsRejected(reply: { reason: PointsRejectionReason; at: Date }): SagaReplyOutcome {
    if (!(POINTS_REJECTION_REASONS as readonly string[]).includes(reply.reason))
      throw new InvalidValueError('reason', `unknown points rejection ${reply.reason}`);
    if (!this.awaitsPoints()) return 'ignored';
    this.cancel(`POINTS_${reply.reason}`, reply.at);
    this.state = { ...this.state, pointsStep: 'REJECTED' };
    return 'cancelled';
  }

  // ── deadlines and the customer's cancellation ────────────────────────────────────────────────────

  /** PENDING past its reservation deadline → RESERVATION_TIMEOUT; AWAITING_PAYMENT past its payment deadline → PAYMENT_TIMEOUT. */
  expire(at: Date): ExpireOutcome {
    const { status, reservationDueAt, paymentDueAt } = this.state;
    if (status === 'PENDING' && reservationDueAt !== null && at >= reservationDueAt) {
      this.cancel('RESERVATION_TIMEOUT', at);
      return 'cancelled';
    }
    if (status === 'AWAITING_PAYMENT' && paymentDueAt !== null && at >= paymentDueAt) {
      this.cancel('PAYMENT_TIMEOUT', at);
      return 'cancelled';
    }
    return 'not-due';
  }

  /** The customer cancels an order not paid yet (PENDING or AWAITING_PAYMENT). */
  cancelByCustomer(at: Date): void {
    this.cancel('CUSTOMER_CANCELLED', at);
  }

  // ── payments and refunds ─────────────────────────────────────────────────────────────────────────

  /**
   * A payment succeeded for this order. Awaiting payment with exactly the payable: PAID. A payment it
   * cannot keep is recorded and its refund asked for, the status unchanged: LATE_PAYMENT (cancelled),
   * DUPLICATE_PAYMENT (paid already by another), AMOUNT_MISMATCH (not the payable). The same payment
   * again: 'duplicate'. While PENDING it throws: the delivery is retried once the saga has decided.
   */
  recordPayment(payment: { paymentId: string; amount: number; at: Date }): PaymentOutcome {
    const paymentId = assertUuid('paymentId', payment.paymentId);
    const amount = assertFen('amount', payment.amount);
    const { status, payable } = this.state;
    if (this.paymentOf(paymentId)) return 'duplicate';
    if (status === 'PENDING') throw new OrderNotAwaitingPaymentYetError(this.id, paymentId);
    if (status === 'CANCELLED') return this.refuse(paymentId, amount, 'LATE_PAYMENT', payment.at);
    if (status !== 'AWAITING_PAYMENT') return this.refuse(paymentId, amount, 'DUPLICATE_PAYMENT', payment.at);
    if (amount !== payable) return this.refuse(paymentId, amount, 'AMOUNT_MISMATCH', payment.at);

    const captured: OrderPaymentSnapshot = {
      paymentId,
      amount,
      captured: true,
      refundStatus: 'NONE',
      refundReason: null,
      recordedAt: payment.at,
      updatedAt: payment.at,
    };
    this.state = { ...this.state, payments: [...this.state.payments, captured] };
    this.moveTo('PAID', payment.at, null);
    const { userId, couponId, pointsToUse } = this.state;
    this.record({ type: 'OrderPaid', aggregateId: this.id, occurredAt: payment.at, userId, couponId, pointsToUse, paymentId, amountPaid: amount });
    return 'paid';
  }

  /** The customer asks for their money back (PAID … DELIVERED → REFUNDING): a refund of the captured payment is asked for. */
  requestRefund(at: Date): void {
    const captured = this.capturedPayment;
    if (!captured || !REFUNDABLE_STATUSES.includes(this.state.status)) throw new InvalidOrderStateError(this.id, this.state.status, 'REFUNDING');
    this.moveTo('REFUNDING', at, 'CUSTOMER_REQUEST');
    this.updatePayment(captured.paymentId, { refundStatus: 'REQUESTED', refundReason: 'CUSTOMER_REQUEST', updatedAt: at });
    this.record({
      type: 'OrderRefundRequested',
      aggregateId: this.id,
      occurredAt: at,
      userId: this.state.userId,
      paymentId: captured.paymentId,
      amount: captured.amount,
      reason: 'CUSTOMER_REQUEST',
    });
  }

  /**
   * A payment of this order was refunded. The captured one: REFUNDED (through REFUNDING, reason
   * PAYMENT_REFUNDED, when nobody here asked: from PAID … COMPLETED), announced so participants give back. One it refused:
   * marked refunded, status unchanged ('stray-refunded'). A refund seen before: 'duplicate'. A refund
   * of another amount than the payment's (a partial refund) changes nothing ('amount-mismatch'): this
   * order knows only whole refunds, and giving back all the coupon and points for part of the money
   * would be wrong; retrying cannot help, so it is no error here (the consumer logs it at error). A
   * payment never recorded throws: the delivery is retried once the payment has been handled.
   */
  recordRefund(refund: { paymentId: string; amount: number; at: Date }): RefundOutcome {
    const paymentId = assertUuid('paymentId', refund.paymentId);
    const amount = assertFen('amount', refund.amount);
    const payment = this.paymentOf(paymentId);
    if (!payment) throw new RefundBeforePaymentError(this.id, paymentId);
    if (amount !== payment.amount) return 'amount-mismatch';
    if (payment.refundStatus === 'REFUNDED') return 'duplicate';
    if (!payment.captured) {
      this.updatePayment(paymentId, { refundStatus: 'REFUNDED', updatedAt: refund.at });
      this.state = { ...this.state, updatedAt: refund.at };
      this.record({ type: 'OrderStrayPaymentRefunded', aggregateId: this.id, occurredAt: refund.at, paymentId, amount });
      return 'stray-refunded';
    }
    // A refund nobody here asked for (the provider's own) still ends the order, by way of REFUNDING so
    // history says why; from PAID … COMPLETED, as the money is gone whatever the fulfilment reached.
    if (this.state.status !== 'REFUNDING') this.moveTo('REFUNDING', refund.at, PAYMENT_REFUNDED);
    this.moveTo('REFUNDED', refund.at, null);
    this.updatePayment(paymentId, { refundStatus: 'REFUNDED', updatedAt: refund.at });
    const { userId, couponId, pointsToUse } = this.state;
    this.record({ type: 'OrderRefunded', aggregateId: this.id, occurredAt: refund.at, userId, couponId, pointsToUse, paymentId, amountRefunded: amount });
    return 'refunded';
  }

  // ── fulfilment ───────────────────────────────────────────────────────────────────────────────────

  accept(at: Date): void {
    this.advance('ACCEPTED', at);
  }
  ship(at: Date): void {
    this.advance('SHIPPED', at);
  }
  deliver(at: Date): void {
    this.advance('DELIVERED', at);
  }
  confirmReceipt(at: Date): void {
    this.advance('COMPLETED', at);
  }

  // ── reading ──────────────────────────────────────────────────────────────────────────────────────

  get id(): string {
    return this.state.orderId;
  }
  get orderId(): string {
    return this.state.orderId;
  }
  get userId(): string {
    return this.state.userId;
  }
  get status(): OrderStatus {
    return this.state.status;
  }
  get lines(): readonly OrderLineSnapshot[] {
    return this.state.lines;
  }
  get subtotal(): number {
    return this.state.subtotal;
  }
  get couponId(): string | null {
    return this.state.couponId;
  }
  get couponStep(): ReservationStep {
    return this.state.couponStep;
  }
  get couponDiscount(): number {
    return this.state.couponDiscount;
  }
  get pointsToUse(): number {
    return this.state.pointsToUse;
  }
  get pointsStep(): ReservationStep {
    return this.state.pointsStep;
  }
  /** The points frozen for the order (`pointsUsedOf`). */
  get pointsUsed(): number {
    return pointsUsedOf(this.state);
  }
  get payable(): number | null {
    return this.state.payable;
  }
  get cancelReason(): OrderCancelReason | null {
    return this.state.cancelReason;
  }
  get reservationDueAt(): Date | null {
    return this.state.reservationDueAt;
  }
  get paymentDueAt(): Date | null {
    return this.state.paymentDueAt;
  }
  get payments(): readonly OrderPaymentSnapshot[] {
    return this.state.payments;
  }
  /** The payment that paid the order, if any. */
  get capturedPayment(): OrderPaymentSnapshot | null {
    return this.state.payments.find((payment) => payment.captured) ?? null;
  }
  get history(): readonly OrderHistoryEntry[] {
    return this.state.history;
  }
  get placedAt(): Date {
    return this.state.placedAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  paymentOf(paymentId: string): OrderPaymentSnapshot | null {
    const id = canonicalId(paymentId);
    return this.state.payments.find((payment) => payment.paymentId === id) ?? null;
  }

  toSnapshot(): OrderSnapshot {
    return { ...this.state, lines: [...this.state.lines], payments: [...this.state.payments], history: [...this.state.history] };
  }

  // ── the moves ────────────────────────────────────────────────────────────────────────────────────

  /** Whether a coupon reply naming `couponId` is the one this order still waits for. */
  private awaitsCoupon(couponId: string): boolean {
    return this.state.status === 'PENDING' && this.state.couponStep === 'WAITING' && this.state.couponId === canonicalId(couponId);
  }

  private awaitsPoints(): boolean {
    return this.state.status === 'PENDING' && this.state.pointsStep === 'WAITING';
  }

  /** One reservation is in: decide if the other is too (or never was needed), else wait for it. */
  private afterReservation(step: 'coupon' | 'points', at: Date, paymentTimeoutMs: number): SagaReplyOutcome {
    const other = step === 'coupon' ? this.state.pointsStep : this.state.couponStep;
    if (other === 'WAITING') {
      this.record({ type: 'OrderReplyRecorded', aggregateId: this.id, occurredAt: at, step });
      return 'awaiting-other';
    }
    return this.decide(at, paymentTimeoutMs);
  }

  /**
   * Every reservation is in. Discount and points beyond the subtotal: CANCELLED (POINTS_EXCEED_PAYABLE),
   * so no point is spent beyond what is owed (the points context releases them). Otherwise
   * AWAITING_PAYMENT with payable = subtotal − discount − points (0 allowed).
   */
  private decide(at: Date, paymentTimeoutMs: number): 'awaiting-payment' | 'cancelled' {
    const { subtotal, couponDiscount } = this.state;
    const pointsUsed = this.pointsUsed;
    if (couponDiscount + pointsUsed > subtotal) {
      this.cancel('POINTS_EXCEED_PAYABLE', at);
      return 'cancelled';
    }
    const payable = subtotal - couponDiscount - pointsUsed;
    const paymentDueAt = new Date(at.getTime() + timeout('paymentTimeoutMs', paymentTimeoutMs));
    this.moveTo('AWAITING_PAYMENT', at, null);
    this.state = { ...this.state, payable, paymentDueAt };
    this.record({
      type: 'OrderAwaitingPayment',
      aggregateId: this.id,
      occurredAt: at,
      userId: this.state.userId,
      subtotal,
      couponDiscount,
      pointsUsed,
      payable,
      paymentDueAt,
    });
    return 'awaiting-payment';
  }

  private cancel(reason: OrderCancelReason, at: Date): void {
    this.moveTo('CANCELLED', at, reason);
    this.state = { ...this.state, cancelReason: reason };
    const { userId, couponId, pointsToUse } = this.state;
    this.record({ type: 'OrderCancelled', aggregateId: this.id, occurredAt: at, userId, couponId, pointsToUse, reason });
  }

  /** A payment the order cannot keep: recorded, its refund asked for; the order's status unchanged. */
  private refuse(paymentId: string, amount: number, reason: RefundReason, at: Date): 'refund-requested' {
    const refused: OrderPaymentSnapshot = {
      paymentId,
      amount,
      captured: false,
      refundStatus: 'REQUESTED',
      refundReason: reason,
      recordedAt: at,
      updatedAt: at,
    };
    this.state = { ...this.state, payments: [...this.state.payments, refused], updatedAt: at };
    this.record({ type: 'OrderRefundRequested', aggregateId: this.id, occurredAt: at, userId: this.state.userId, paymentId, amount, reason });
    return 'refund-requested';
  }

  private advance(to: 'ACCEPTED' | 'SHIPPED' | 'DELIVERED' | 'COMPLETED', at: Date): void {
    this.moveTo(to, at, null);
    this.record({ type: 'OrderFulfilmentAdvanced', aggregateId: this.id, occurredAt: at, status: to });
  }

  private updatePayment(paymentId: string, changes: Partial<Pick<OrderPaymentSnapshot, 'refundStatus' | 'refundReason' | 'updatedAt'>>): void {
    this.state = {
      ...this.state,
      payments: this.state.payments.map((payment) => (payment.paymentId === paymentId ? { ...payment, ...changes } : payment)),
    };
  }

  /** The one way the status changes: along a legal edge, kept in history. */
  private moveTo(to: OrderStatus, at: Date, reason: string | null): void {
    const from = this.state.status;
    if (!canMoveTo(from, to)) throw new InvalidOrderStateError(this.id, from, to);
    this.state = { ...this.state, status: to, history: [...this.state.history, { status: to, at, reason }], updatedAt: at };
  }
}
