import type { OrderPointsStatus } from '../../../domain/order-points.js';
import type { Disagreement } from '../disagreement.js';

/** The saga's *confirm*, from every `order.paid.v1` (an order that used no points still earns). */
export interface ConfirmPointsForOrderCommand {
  readonly orderId: string;
  readonly userId: string;
  /** What the order said it used: > 0 means its placement must have been seen first. */
  readonly pointsToUse: number;
  /** Fen paid: earns one point per full yuan. */
  readonly amountPaid: number;
}

export type ConfirmPointsForOrderResult =
  /** The frozen points were spent and the payment's points earned. */
  | { readonly outcome: 'confirmed'; readonly spent: number; readonly earned: number }
  /** Paid (or refunded) already: a redelivery, no change. */
  | { readonly outcome: 'already-confirmed'; readonly status: OrderPointsStatus }
  /**
   * The order's points were rejected, released or never placed (a tombstone), or reserved for another
   * user or amount than the payment names, yet the order says it was paid: nothing spent, nothing
   * earned. The consumer logs it as an error; retrying cannot help.
   */
  | Disagreement;
