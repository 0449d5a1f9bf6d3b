import type { OrderPoints, OrderPointsStatus } from '../../domain/order-points.js';
import { IllegalOrderPointsTransitionError, OrderPointsMismatchError } from '../../domain/points.errors.js';

/**
 * A step the order's points refuse because the order context says something they cannot agree with (a
 * payment of points never frozen, a cancellation of a paid order, another user or amount than decided).
 * Retrying cannot help and nothing is changed: the consumer logs it at error for people to look into.
 */
export interface Disagreement {
  readonly outcome: 'inconsistent';
  readonly status: OrderPointsStatus;
  /** Why the order's points refused the step. */
  readonly problem: string;
  /** What the order's points were decided for. */
  readonly recorded: { readonly userId: string | null; readonly points: number };
}

/**
 * Runs one of the order's transitions (`move`: true when it applied, false when it had already). A
 * refusal that means the contexts disagree comes back as a `Disagreement`; any other error is thrown on.
 */
export function attempt(order: OrderPoints, move: () => boolean): boolean | Disagreement {
  try {
    return move();
  } catch (error) {
    if (!(error instanceof IllegalOrderPointsTransitionError || error instanceof OrderPointsMismatchError)) throw error;
    return { outcome: 'inconsistent', status: order.status, problem: error.message, recorded: { userId: order.userId, points: order.points } };
  }
}
