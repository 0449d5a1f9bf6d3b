import type { DomainEvent } from '@shop/shared-kernel';
import type { LedgerEntry } from './ledger-entry.js';
import type { PointsReservationRejectionReason } from './order-points.js';

// PointsAccount (its aggregateId is the user id)

/** One entry was appended to the account's ledger. Stays inside the context: the ledger is its own record. */
export interface PointsLedgerEntryAppended extends DomainEvent {
  readonly type: 'PointsLedgerEntryAppended';
  readonly entry: LedgerEntry;
}

export type PointsAccountEvent = PointsLedgerEntryAppended;

// OrderPoints (its aggregateId is the order id)

/** The order's points were frozen: announced as `points.reserved.v1`. */
export interface PointsReserved extends DomainEvent {
  readonly type: 'PointsReserved';
  readonly userId: string;
  /** The points frozen for the order (the fen they take off it). */
  readonly points: number;
}

/** The order's points could not be frozen: announced as `points.reservation-rejected.v1`. */
export interface PointsReservationRejected extends DomainEvent {
  readonly type: 'PointsReservationRejected';
  readonly userId: string;
  /** The points the order asked for. */
  readonly points: number;
  readonly reason: PointsReservationRejectionReason;
}

/** The order was cancelled before its placement was seen: a placement arriving later is rejected. */
export interface OrderPointsTombstoned extends DomainEvent {
  readonly type: 'OrderPointsTombstoned';
}

export interface OrderPointsReleased extends DomainEvent {
  readonly type: 'OrderPointsReleased';
  readonly userId: string;
  readonly points: number;
}

/** The order was paid: its frozen points were spent (0 if it used none) and `earned` credited. */
export interface OrderPointsPaid extends DomainEvent {
  readonly type: 'OrderPointsPaid';
  readonly userId: string;
  readonly spent: number;
  readonly earned: number;
}

/** The paid order was refunded: what it spent was returned and what it earned clawed back. */
export interface OrderPointsRefunded extends DomainEvent {
  readonly type: 'OrderPointsRefunded';
  readonly userId: string;
  readonly spent: number;
  readonly earned: number;
}

export type OrderPointsEvent = PointsReserved | PointsReservationRejected | OrderPointsTombstoned | OrderPointsReleased | OrderPointsPaid | OrderPointsRefunded;

/** Every domain event of the points context: what `pointsIntegrationEvents` maps. */
export type PointsContextEvent = PointsAccountEvent | OrderPointsEvent;
