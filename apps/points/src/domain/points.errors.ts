import { DomainError } from '@shop/shared-kernel';

/** A user asked to freeze more points than are available to them. */
export class InsufficientPointsError extends DomainError {
  constructor(
    readonly userId: string,
    readonly wanted: number,
    readonly available: number,
  ) {
    super('INSUFFICIENT_POINTS', `user ${userId} has ${available} points available, ${wanted} wanted`, { userId, wanted, available });
  }
}

/** A number of points that cannot exist: negative, fractional, above 10^12 for an amount, or past exact integers for a balance. */
export class InvalidPointsError extends DomainError {
  constructor(field: string, message: string) {
    super('INVALID_POINTS', `${field}: ${message}`, { field });
  }
}

/**
 * Releasing or spending more points than are frozen. The saga freezes exactly what it later releases
 * or spends, so this breaks an invariant (a bug or a hand-edited row), never an expected outcome.
 */
export class InsufficientFrozenPointsError extends DomainError {
  constructor(userId: string, orderId: string, wanted: number, frozen: number) {
    super('INSUFFICIENT_FROZEN_POINTS', `user ${userId} has ${frozen} points frozen, order ${orderId} needs ${wanted}`, { userId, orderId, wanted, frozen });
  }
}

/** An order's points were asked for a move their lifecycle does not allow (e.g. refunding an order never paid). */
export class IllegalOrderPointsTransitionError extends DomainError {
  constructor(orderId: string, action: string, status: string) {
    super('ILLEGAL_ORDER_POINTS_TRANSITION', `the points of order ${orderId} cannot ${action} while ${status}`, { orderId, action, status });
  }
}

/**
 * A step of an order names another user or another number of points than the order's points were
 * decided for: the order context and this one disagree, and applying it would move the wrong points.
 */
export class OrderPointsMismatchError extends DomainError {
  constructor(
    orderId: string,
    step: string,
    readonly recorded: { readonly userId: string | null; readonly points: number },
    readonly asked: { readonly userId: string; readonly points: number },
  ) {
    super(
      'ORDER_POINTS_MISMATCH',
      `order ${orderId} was ${step} by user ${asked.userId} with ${asked.points} points, but its points were decided for user ${recorded.userId ?? '?'} with ${recorded.points}`,
      { orderId, step, recorded, asked },
    );
  }
}
