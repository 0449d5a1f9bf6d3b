import { AggregateRoot, type Money } from '@shop/shared-kernel';
import { IllegalReservationTransitionError, type ReservationRejectionReason } from './coupon.errors.js';
import type { CouponReservationEvent } from './coupon.events.js';

export const COUPON_RESERVATION_STATUSES = ['RESERVED', 'REJECTED', 'RELEASED', 'CONFIRMED', 'REFUNDED', 'CANCELLED_UNSEEN'] as const;
export type CouponReservationStatus = (typeof COUPON_RESERVATION_STATUSES)[number];

/** Everything a reservation is made of, as stored; only repositories restore reservations from it. */
export interface CouponReservationSnapshot {
  readonly orderId: string;
  /** Null only on a tombstone (the order's cancellation was seen, its placement not yet). */
  readonly couponId: string | null;
  readonly userId: string | null;
  readonly status: CouponReservationStatus;
  /** What the coupon takes off the order; set while the reservation holds or held the coupon. */
  readonly discount: Money | null;
  /** Why it was rejected; set only when REJECTED. */
  readonly reason: ReservationRejectionReason | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * The coupon context's side of one order's saga, one per order (its id is the order id): what the
 * *try* decided, and which later steps have run. It is what makes every step idempotent by order id:
 * a step that finds its work done changes nothing.
 *
 * RESERVED → RELEASED (cancel) | CONFIRMED (paid) → REFUNDED; REJECTED is final; CANCELLED_UNSEEN (a
 * tombstone: cancelled before placed) → REJECTED (ORDER_CANCELLED) when the placement arrives late.
 */
export class CouponReservation extends AggregateRoot<CouponReservationEvent> {
  private state: CouponReservationSnapshot;

  private constructor(snapshot: CouponReservationSnapshot) {
    super();
    this.state = snapshot;
  }

  /** The coupon was locked to the order: announced as `coupon.reserved.v1` with the discount. */
  static reserved(orderId: string, couponId: string, userId: string, discount: Money, now: Date): CouponReservation {
    const reservation = new CouponReservation({ orderId, couponId, userId, status: 'RESERVED', discount, reason: null, createdAt: now, updatedAt: now });
    reservation.record({ type: 'CouponReserved', aggregateId: orderId, occurredAt: now, couponId, userId, discount: discount.minor });
    return reservation;
  }

  /** The coupon could not be locked to the order: announced as `coupon.reservation-rejected.v1` with the reason. */
  static rejected(orderId: string, couponId: string, userId: string, reason: ReservationRejectionReason, now: Date): CouponReservation {
    const reservation = new CouponReservation({ orderId, couponId, userId, status: 'REJECTED', discount: null, reason, createdAt: now, updatedAt: now });
    reservation.record({ type: 'CouponReservationRejected', aggregateId: orderId, occurredAt: now, couponId, userId, reason });
    return reservation;
  }

  /**
   * The order was cancelled before its placement reached us: nothing to release (an empty rollback),
   * but the placement, should it still come, must not lock a coupon to a dead order. Announces nothing.
   */
  static tombstone(orderId: string, now: Date): CouponReservation {
    const reservation = new CouponReservation({
      orderId,
      couponId: null,
      userId: null,
      status: 'CANCELLED_UNSEEN',
      discount: null,
      reason: null,
      createdAt: now,
      updatedAt: now,
    });
    reservation.record({ type: 'CouponReservationTombstoned', aggregateId: orderId, occurredAt: now });
    return reservation;
  }

  static restore(snapshot: CouponReservationSnapshot): CouponReservation {
    return new CouponReservation(snapshot);
  }

  /** The order id: one reservation per order. */
  get id(): string {
    return this.state.orderId;
  }
  get orderId(): string {
    return this.state.orderId;
  }
  get couponId(): string | null {
    return this.state.couponId;
  }
  get userId(): string | null {
    return this.state.userId;
  }
  get status(): CouponReservationStatus {
    return this.state.status;
  }
  get discount(): Money | null {
    return this.state.discount;
  }
  get reason(): ReservationRejectionReason | null {
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

  /** The placement of an order already cancelled arrived: rejected (ORDER_CANCELLED), so the order side hears an answer and no coupon hangs locked. */
  rejectLate(couponId: string, userId: string, now: Date): void {
    if (this.state.status !== 'CANCELLED_UNSEEN') throw this.illegal('be rejected as late');
    const reason: ReservationRejectionReason = 'ORDER_CANCELLED';
    this.state = { ...this.state, couponId, userId, status: 'REJECTED', reason, updatedAt: now };
    this.record({ type: 'CouponReservationRejected', aggregateId: this.id, occurredAt: now, couponId, userId, reason });
  }

  /**
   * Cancel: RESERVED → RELEASED (true). Nothing held (rejected, released already, tombstone): nothing
   * to do (false). A confirmed or refunded order is past cancelling.
   */
  release(now: Date): boolean {
    const { status } = this.state;
    if (status === 'REJECTED' || status === 'RELEASED' || status === 'CANCELLED_UNSEEN') return false;
    if (status !== 'RESERVED') throw this.illegal('be released');
    this.state = { ...this.state, status: 'RELEASED', updatedAt: now };
    this.record({ type: 'CouponReservationReleased', aggregateId: this.id, occurredAt: now, couponId: this.state.couponId! });
    return true;
  }

  /** Confirm (the order was paid): RESERVED → CONFIRMED (true); CONFIRMED already: false. */
  confirm(now: Date): boolean {
    if (this.state.status === 'CONFIRMED') return false;
    if (this.state.status !== 'RESERVED') throw this.illegal('be confirmed');
    this.state = { ...this.state, status: 'CONFIRMED', updatedAt: now };
    this.record({ type: 'CouponReservationConfirmed', aggregateId: this.id, occurredAt: now, couponId: this.state.couponId! });
    return true;
  }

  /** The paid order was refunded: CONFIRMED → REFUNDED (true); REFUNDED already: false. */
  refund(now: Date): boolean {
    if (this.state.status === 'REFUNDED') return false;
    if (this.state.status !== 'CONFIRMED') throw this.illegal('be refunded');
    this.state = { ...this.state, status: 'REFUNDED', updatedAt: now };
    this.record({ type: 'CouponReservationRefunded', aggregateId: this.id, occurredAt: now, couponId: this.state.couponId! });
    return true;
  }

  toSnapshot(): CouponReservationSnapshot {
    return { ...this.state };
  }

  private illegal(action: string): IllegalReservationTransitionError {
    return new IllegalReservationTransitionError(this.id, action, this.state.status);
  }
}
