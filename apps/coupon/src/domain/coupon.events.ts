import type { DomainEvent } from '@shop/shared-kernel';
import type { DiscountSnapshot } from './discount/discount.js';
import type { ReservationRejectionReason } from './coupon.errors.js';

// CouponTemplate

export interface CouponTemplateCreated extends DomainEvent {
  readonly type: 'CouponTemplateCreated';
  readonly name: string;
  readonly discount: DiscountSnapshot;
  readonly totalStock: number;
}

export interface CouponTemplatePaused extends DomainEvent {
  readonly type: 'CouponTemplatePaused';
}

export interface CouponTemplateResumed extends DomainEvent {
  readonly type: 'CouponTemplateResumed';
}

export type CouponTemplateEvent = CouponTemplateCreated | CouponTemplatePaused | CouponTemplateResumed;

// Coupon

export interface CouponIssued extends DomainEvent {
  readonly type: 'CouponIssued';
  readonly templateId: string;
  readonly userId: string;
  readonly validFrom: Date;
  readonly validUntil: Date;
}

export interface CouponLocked extends DomainEvent {
  readonly type: 'CouponLocked';
  readonly orderId: string;
  /** Fen taken off the order. */
  readonly discount: number;
}

export interface CouponReleased extends DomainEvent {
  readonly type: 'CouponReleased';
  readonly orderId: string;
}

export interface CouponUsed extends DomainEvent {
  readonly type: 'CouponUsed';
  readonly orderId: string;
}

export interface CouponReturned extends DomainEvent {
  readonly type: 'CouponReturned';
  readonly orderId: string;
  /** AVAILABLE while still valid, EXPIRED once its window has ended. */
  readonly status: 'AVAILABLE' | 'EXPIRED';
}

export interface CouponExpired extends DomainEvent {
  readonly type: 'CouponExpired';
}

export type CouponEvent = CouponIssued | CouponLocked | CouponReleased | CouponUsed | CouponReturned | CouponExpired;

// CouponReservation (its aggregateId is the order id)

export interface CouponReserved extends DomainEvent {
  readonly type: 'CouponReserved';
  readonly couponId: string;
  readonly userId: string;
  /** Fen taken off the order. */
  readonly discount: number;
}

export interface CouponReservationRejected extends DomainEvent {
  readonly type: 'CouponReservationRejected';
  readonly couponId: string;
  readonly userId: string;
  readonly reason: ReservationRejectionReason;
}

/** The order was cancelled before its placement was seen: a placement arriving later is rejected. */
export interface CouponReservationTombstoned extends DomainEvent {
  readonly type: 'CouponReservationTombstoned';
}

export interface CouponReservationReleased extends DomainEvent {
  readonly type: 'CouponReservationReleased';
  readonly couponId: string;
}

export interface CouponReservationConfirmed extends DomainEvent {
  readonly type: 'CouponReservationConfirmed';
  readonly couponId: string;
}

export interface CouponReservationRefunded extends DomainEvent {
  readonly type: 'CouponReservationRefunded';
  readonly couponId: string;
}

export type CouponReservationEvent =
  CouponReserved | CouponReservationRejected | CouponReservationTombstoned | CouponReservationReleased | CouponReservationConfirmed | CouponReservationRefunded;

/** Every domain event of the coupon context: what `couponIntegrationEvents` maps. */
export type CouponContextEvent = CouponTemplateEvent | CouponEvent | CouponReservationEvent;
