import type { OrderPointsStatus } from '../../../domain/order-points.js';

/** From every `order.refunded.v1`: the order's spent points come back and its earned points go. */
export interface ReturnPointsForRefundedOrderCommand {
  readonly orderId: string;
  readonly userId: string;
  /** What the order said it used (for the log; what was spent is known from the order's points). */
  readonly pointsToUse: number;
}

export type ReturnPointsForRefundedOrderResult =
  /** `returned` spent points came back (REFUND); of the earned ones, `clawedBack` were taken and `debt` is owed. */
  | { readonly outcome: 'returned'; readonly returned: number; readonly clawedBack: number; readonly debt: number }
  /** Refunded already: a redelivery, no change. */
  | { readonly outcome: 'already-returned' }
  /** The order never held points (rejected, released, cancelled before placed): no change. */
  | { readonly outcome: 'nothing-to-return'; readonly status: OrderPointsStatus };
