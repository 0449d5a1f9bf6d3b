import { newId } from '@shop/shared-kernel';
import { OrderPoints, type OrderPointsSnapshot, type OrderPointsStatus } from '../order-points.js';
import { PointsAccount, type PointsAccountSnapshot } from '../points-account.js';

export const MOTHER_EPOCH = new Date('2026-01-01T00:00:00.000Z');

/** The one place that knows how to make valid points-context aggregates; tests say only what matters to them. */
export const PointsAccountMother = {
  /** A stored account (no pending entries or events), empty unless told otherwise. */
  stored(overrides: Partial<PointsAccountSnapshot> = {}): PointsAccount {
    return PointsAccount.restore({
      userId: newId(),
      available: 0,
      frozen: 0,
      lifetimeEarned: 0,
      debt: 0,
      createdAt: MOTHER_EPOCH,
      updatedAt: MOTHER_EPOCH,
      ...overrides,
    });
  },
};

export const OrderPointsMother = {
  /** A stored order's points in `status` (RESERVED by default), with the fields that status implies. */
  stored(overrides: Partial<OrderPointsSnapshot> = {}): OrderPoints {
    const status: OrderPointsStatus = overrides.status ?? 'RESERVED';
    const tombstone = status === 'CANCELLED_UNSEEN';
    return OrderPoints.restore({
      orderId: newId(),
      userId: tombstone ? null : newId(),
      status,
      points: tombstone ? 0 : 300,
      earned: status === 'PAID' || status === 'REFUNDED' ? 50 : 0,
      reason: status === 'REJECTED' ? 'INSUFFICIENT_POINTS' : null,
      createdAt: MOTHER_EPOCH,
      updatedAt: MOTHER_EPOCH,
      ...overrides,
    });
  },
};
