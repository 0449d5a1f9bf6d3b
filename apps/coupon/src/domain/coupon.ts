import { AggregateRoot, type Money } from '@shop/shared-kernel';
import { CouponReservationRefusedError, IllegalCouponTransitionError } from './coupon.errors.js';
import type { CouponEvent } from './coupon.events.js';
import type { Discount } from './discount/discount.js';

export const COUPON_STATUSES = ['AVAILABLE', 'LOCKED', 'USED', 'EXPIRED'] as const;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

/** Everything a coupon is made of, as stored; only repositories restore coupons from it. */
export interface CouponSnapshot {
  readonly id: string;
  readonly templateId: string;
  /** Copied at issue: the coupon reads the same if the campaign is renamed. */
  readonly templateName: string;
  readonly userId: string;
  /** Copied at issue: a coupon keeps the terms it was claimed under. */
  readonly discount: Discount;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly status: CouponStatus;
  /** The order it is locked to or used by; null while AVAILABLE or EXPIRED. */
  readonly orderId: string | null;
  readonly issuedAt: Date;
  /** The store's row version when loaded (0 for a new coupon); repositories compare and bump it. */
  readonly version: number;
}

export interface IssueCouponProps {
  readonly id: string;
  readonly templateId: string;
  readonly templateName: string;
  readonly userId: string;
  readonly discount: Discount;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly issuedAt: Date;
}

/**
 * A coupon one user holds: AVAILABLE → LOCKED (to an order) → USED; LOCKED → AVAILABLE on release;
 * AVAILABLE → EXPIRED once its window has ended; USED → AVAILABLE (or EXPIRED) on refund.
 */
export class Coupon extends AggregateRoot<CouponEvent> {
  private state: CouponSnapshot;

  private constructor(snapshot: CouponSnapshot) {
    super();
    this.state = snapshot;
  }

  /** Made by `CouponTemplate.issueCoupon`, which checks the campaign's rules first. */
  static issue(props: IssueCouponProps): Coupon {
    const coupon = new Coupon({ ...props, status: 'AVAILABLE', orderId: null, version: 0 });
    coupon.record({
      type: 'CouponIssued',
      aggregateId: props.id,
      occurredAt: props.issuedAt,
      templateId: props.templateId,
      userId: props.userId,
      validFrom: props.validFrom,
      validUntil: props.validUntil,
    });
    return coupon;
  }

  static restore(snapshot: CouponSnapshot): Coupon {
    return new Coupon(snapshot);
  }

  get id(): string {
    return this.state.id;
  }
  get templateId(): string {
    return this.state.templateId;
  }
  get templateName(): string {
    return this.state.templateName;
  }
  get userId(): string {
    return this.state.userId;
  }
  get discount(): Discount {
    return this.state.discount;
  }
  get validFrom(): Date {
    return this.state.validFrom;
  }
  get validUntil(): Date {
    return this.state.validUntil;
  }
  get status(): CouponStatus {
    return this.state.status;
  }
  get orderId(): string | null {
    return this.state.orderId;
  }
  get issuedAt(): Date {
    return this.state.issuedAt;
  }
  get version(): number {
    return this.state.version;
  }

  /** Has its window ended by `now`? (`validUntil` itself is already outside it.) */
  hasEndedBy(now: Date): boolean {
    return now.getTime() >= this.state.validUntil.getTime();
  }

  /**
   * The saga's *try*: locks the coupon to the order and answers the discount for its subtotal. Refuses
   * (`CouponReservationRefusedError`, checked in this order) another user's coupon (NOT_OWNER), one
   * whose window has ended (EXPIRED), one locked, used or not valid yet (NOT_AVAILABLE), and a subtotal
   * below the minimum spend (BELOW_MIN_SPEND). A subtotal on which the coupon gives nothing (an amount
   * off of a zero subtotal, a percentage that rounds down to 0 fen) is BELOW_MIN_SPEND too: locking the
   * coupon for a discount of 0 would take it from its owner for nothing. Asked again for the order it
   * is locked to, it answers the same discount and changes nothing.
   */
  reserveFor(orderId: string, userId: string, subtotal: Money, now: Date): Money {
    const { status } = this.state;
    if (userId !== this.state.userId) throw new CouponReservationRefusedError(this.id, 'NOT_OWNER');
    if (status === 'LOCKED' && this.state.orderId === orderId) return this.discount.amountFor(subtotal);
    if (status === 'EXPIRED' || this.hasEndedBy(now)) throw new CouponReservationRefusedError(this.id, 'EXPIRED');
    if (status !== 'AVAILABLE' || now.getTime() < this.state.validFrom.getTime()) throw new CouponReservationRefusedError(this.id, 'NOT_AVAILABLE');
    if (!this.discount.appliesTo(subtotal)) throw new CouponReservationRefusedError(this.id, 'BELOW_MIN_SPEND');
    const discount = this.discount.amountFor(subtotal);
    if (discount.isZero()) throw new CouponReservationRefusedError(this.id, 'BELOW_MIN_SPEND');

    this.state = { ...this.state, status: 'LOCKED', orderId };
    this.record({ type: 'CouponLocked', aggregateId: this.id, occurredAt: now, orderId, discount: discount.minor });
    return discount;
  }

  /**
   * The saga's *cancel*: a coupon locked to this order is AVAILABLE again (true). Anything else (not
   * locked, or locked to another order) is left as it is (false): a release never takes a coupon away
   * from an order it does not belong to.
   */
  release(orderId: string, now: Date): boolean {
    if (this.state.status !== 'LOCKED' || this.state.orderId !== orderId) return false;
    this.state = { ...this.state, status: 'AVAILABLE', orderId: null };
    this.record({ type: 'CouponReleased', aggregateId: this.id, occurredAt: now, orderId });
    return true;
  }

  /** The saga's *confirm*: the coupon locked to this order is USED. Already used by it: no change (false). */
  confirmUse(orderId: string, now: Date): boolean {
    if (this.state.status === 'USED' && this.state.orderId === orderId) return false;
    if (this.state.status !== 'LOCKED' || this.state.orderId !== orderId) throw this.illegal(`be used by order ${orderId}`);
    this.state = { ...this.state, status: 'USED' };
    this.record({ type: 'CouponUsed', aggregateId: this.id, occurredAt: now, orderId });
    return true;
  }

  /** The order that used it was refunded: AVAILABLE again while its window lasts, else EXPIRED. */
  returnAfterRefund(orderId: string, now: Date): CouponStatus {
    if (this.state.status !== 'USED' || this.state.orderId !== orderId) throw this.illegal(`be returned by order ${orderId}`);
    const status = this.hasEndedBy(now) ? 'EXPIRED' : 'AVAILABLE';
    this.state = { ...this.state, status, orderId: null };
    this.record({ type: 'CouponReturned', aggregateId: this.id, occurredAt: now, orderId, status });
    return status;
  }

  /**
   * An AVAILABLE coupon whose window has ended becomes EXPIRED (true); already EXPIRED: no change
   * (false). A LOCKED coupon is never expired under its order, nor a USED one.
   */
  expire(now: Date): boolean {
    if (this.state.status === 'EXPIRED') return false;
    if (this.state.status !== 'AVAILABLE') throw this.illegal('expire');
    if (!this.hasEndedBy(now)) throw this.illegal(`expire before ${this.state.validUntil.toISOString()}`);
    this.state = { ...this.state, status: 'EXPIRED' };
    this.record({ type: 'CouponExpired', aggregateId: this.id, occurredAt: now });
    return true;
  }

  toSnapshot(): CouponSnapshot {
    return { ...this.state };
  }

  private illegal(action: string): IllegalCouponTransitionError {
    const where = this.state.orderId ? `${this.state.status} (order ${this.state.orderId})` : this.state.status;
    return new IllegalCouponTransitionError(this.id, action, where);
  }
}
