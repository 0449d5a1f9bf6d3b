import { AggregateRoot, assertUuid, canonicalId } from '@shop/shared-kernel';
import { IllegalOrderPointsTransitionError, OrderPointsMismatchError } from './points.errors.js';
import type { OrderPointsEvent } from './points.events.js';
import type { Points } from './points.js';

export const ORDER_POINTS_STATUSES = ['RESERVED', 'REJECTED', 'RELEASED', 'CANCELLED_UNSEEN', 'PAID', 'REFUNDED'] as const;
export type OrderPointsStatus = (typeof ORDER_POINTS_STATUSES)[number];

/** Why an order's points were not frozen (the reasons `points.reservation-rejected.v1` carries). */
export const POINTS_RESERVATION_REJECTION_REASONS = ['INSUFFICIENT_POINTS', 'ORDER_CANCELLED'] as const;
export type PointsReservationRejectionReason = (typeof POINTS_RESERVATION_REJECTION_REASONS)[number];

/** Everything an order's points are made of, as stored; only repositories restore them from it. */
export interface OrderPointsSnapshot {
  readonly orderId: string;
  /** Null only on a tombstone (the order's cancellation was seen, its placement not yet). */
  readonly userId: string | null;
  readonly status: OrderPointsStatus;
  /** The points the order asked for (REJECTED), froze (RESERVED, RELEASED) or spent (PAID, REFUNDED); 0 on a tombstone. */
  readonly points: number;
  /** The points its payment earned; 0 until PAID. */
  readonly earned: number;
  /** Why it was rejected; set only when REJECTED. */
  readonly reason: PointsReservationRejectionReason | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * The points context's side of one order's saga, one per order (its id is the order id): what the
 * *try* decided, and which later steps have run. It makes every step idempotent by order id (a step
 * that finds its work done changes nothing) and it remembers what the order spent and earned, so a
 * refund gives back and claws back exactly that.
 *
 * RESERVED → RELEASED (cancel) | PAID (paid) → REFUNDED; REJECTED is final; CANCELLED_UNSEEN (a
 * tombstone: cancelled before placed) → REJECTED (ORDER_CANCELLED) when the placement arrives late.
 * An order that used no points is first seen when paid (`paidWithoutPoints`). Ids are kept in their one
 * spelling (lower case): the order id keys the row, the user id is compared with later steps'.
 */
export class OrderPoints extends AggregateRoot<OrderPointsEvent> {
  private state: OrderPointsSnapshot;

  private constructor(snapshot: OrderPointsSnapshot) {
    super();
    this.state = snapshot;
  }

  /** The order's points were frozen: announced as `points.reserved.v1`. */
  static reserved(orderId: string, userId: string, points: Points, now: Date): OrderPoints {
    const order = OrderPoints.first(orderId, userId, { status: 'RESERVED', points: points.value }, now);
    order.record({ type: 'PointsReserved', aggregateId: order.id, occurredAt: now, userId: order.userId!, points: points.value });
    return order;
  }

  /** The order's points could not be frozen: announced as `points.reservation-rejected.v1` with the reason. */
  static rejected(orderId: string, userId: string, points: Points, reason: PointsReservationRejectionReason, now: Date): OrderPoints {
    const order = OrderPoints.first(orderId, userId, { status: 'REJECTED', points: points.value, reason }, now);
    order.record({ type: 'PointsReservationRejected', aggregateId: order.id, occurredAt: now, userId: order.userId!, points: points.value, reason });
    return order;
  }

  /**
   * The order was cancelled before its placement reached us: nothing to release (an empty rollback),
   * but the placement, should it still come, must not freeze points for a dead order. Announces nothing.
   */
  static tombstone(orderId: string, now: Date): OrderPoints {
    const order = OrderPoints.first(orderId, null, { status: 'CANCELLED_UNSEEN', points: 0 }, now);
    order.record({ type: 'OrderPointsTombstoned', aggregateId: order.id, occurredAt: now });
    return order;
  }

  /** An order that used no points was paid: remembered with what it earned, so its refund can claw that back. */
  static paidWithoutPoints(orderId: string, userId: string, earned: Points, now: Date): OrderPoints {
    const order = OrderPoints.first(orderId, userId, { status: 'PAID', points: 0, earned: earned.value }, now);
    order.record({ type: 'OrderPointsPaid', aggregateId: order.id, occurredAt: now, userId: order.userId!, spent: 0, earned: earned.value });
    return order;
  }

  /** A new row, its ids in their one spelling (a UUID in lower case; anything else is refused). */
  private static first(
    orderId: string,
    userId: string | null,
    fields: Pick<OrderPointsSnapshot, 'status' | 'points'> & Partial<Pick<OrderPointsSnapshot, 'earned' | 'reason'>>,
    now: Date,
  ): OrderPoints {
    return new OrderPoints({
      orderId: assertUuid('orderId', orderId),
      userId: userId === null ? null : assertUuid('userId', userId),
      earned: 0,
      reason: null,
      ...fields,
      createdAt: now,
      updatedAt: now,
    });
  }

  static restore(snapshot: OrderPointsSnapshot): OrderPoints {
    return new OrderPoints(snapshot);
  }

  /** The order id: one per order. */
  get id(): string {
    return this.state.orderId;
  }
  get orderId(): string {
    return this.state.orderId;
  }
  get userId(): string | null {
    return this.state.userId;
  }
  get status(): OrderPointsStatus {
    return this.state.status;
  }
  get points(): number {
    return this.state.points;
  }
  get earned(): number {
    return this.state.earned;
  }
  get reason(): PointsReservationRejectionReason | null {
    return this.state.reason;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  get isTombstone(): boolean {
    return this.state.status === 'CANCELLED_UNSEEN';
  }

  /** Whether the order was decided for this user and these points: a later step naming others disagrees with it. */
  isFor(userId: string, points: Points): boolean {
    return this.state.userId === canonicalId(userId) && this.state.points === points.value;
  }

  /** The placement of an order already cancelled arrived: rejected (ORDER_CANCELLED), so the order side hears an answer and no points hang frozen. */
  rejectLate(userId: string, points: Points, now: Date): void {
    if (this.state.status !== 'CANCELLED_UNSEEN') throw this.illegal('be rejected as late');
    const reason: PointsReservationRejectionReason = 'ORDER_CANCELLED';
    const user = assertUuid('userId', userId);
    this.state = { ...this.state, userId: user, points: points.value, status: 'REJECTED', reason, updatedAt: now };
    this.record({ type: 'PointsReservationRejected', aggregateId: this.id, occurredAt: now, userId: user, points: points.value, reason });
  }

  /**
   * Cancel: RESERVED → RELEASED (true; the caller gives the frozen points back). Nothing held (rejected,
   * released already, tombstone): nothing to do (false). A paid or refunded order is past cancelling.
   */
  release(now: Date): boolean {
    const { status } = this.state;
    if (status === 'REJECTED' || status === 'RELEASED' || status === 'CANCELLED_UNSEEN') return false;
    if (status !== 'RESERVED') throw this.illegal('be released');
    this.state = { ...this.state, status: 'RELEASED', updatedAt: now };
    this.record({ type: 'OrderPointsReleased', aggregateId: this.id, occurredAt: now, userId: this.state.userId!, points: this.state.points });
    return true;
  }

  /**
   * Confirm (the order was paid): RESERVED → PAID with what the payment earned (true; the caller spends
   * the frozen points); PAID or REFUNDED already: false. Nothing held (rejected, released, a tombstone)
   * cannot be paid; nor can a reservation for another user or amount than `paidAs` says the payment
   * names (the caller would spend what the order did not use). The saga always gives `paidAs`.
   */
  confirmPaid(earned: Points, now: Date, paidAs?: { readonly userId: string; readonly pointsToUse: Points }): boolean {
    const { status } = this.state;
    if (status === 'PAID' || status === 'REFUNDED') return false;
    if (status !== 'RESERVED') throw this.illegal('be paid');
    if (paidAs && !this.isFor(paidAs.userId, paidAs.pointsToUse)) throw this.mismatch('paid', paidAs.userId, paidAs.pointsToUse);
    this.state = { ...this.state, status: 'PAID', earned: earned.value, updatedAt: now };
    this.record({ type: 'OrderPointsPaid', aggregateId: this.id, occurredAt: now, userId: this.state.userId!, spent: this.state.points, earned: earned.value });
    return true;
  }

  /** The paid order was refunded: PAID → REFUNDED (true; the caller returns and claws back); REFUNDED already: false. */
  refund(now: Date): boolean {
    if (this.state.status === 'REFUNDED') return false;
    if (this.state.status !== 'PAID') throw this.illegal('be refunded');
    this.state = { ...this.state, status: 'REFUNDED', updatedAt: now };
    this.record({
      type: 'OrderPointsRefunded',
      aggregateId: this.id,
      occurredAt: now,
      userId: this.state.userId!,
      spent: this.state.points,
      earned: this.state.earned,
    });
    return true;
  }

  toSnapshot(): OrderPointsSnapshot {
    return { ...this.state };
  }

  private mismatch(step: string, userId: string, points: Points): OrderPointsMismatchError {
    return new OrderPointsMismatchError(this.id, step, { userId: this.state.userId, points: this.state.points }, { userId, points: points.value });
  }

  private illegal(action: string): IllegalOrderPointsTransitionError {
    return new IllegalOrderPointsTransitionError(this.id, action, this.state.status);
  }
}
