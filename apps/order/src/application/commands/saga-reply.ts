import type { SagaReplyOutcome } from '../../domain/order.js';
import type { OrderStatus } from '../../domain/order-status.js';

export type { SagaReplyOutcome } from '../../domain/order.js';

/** What recording a coupon or points reply came to. */
export type SagaReplyResult =
  /** No such order here: a reply always follows a placement of ours, so nothing to retry; logged and dropped. */
  | { readonly outcome: 'unknown-order' }
  | {
      readonly outcome: SagaReplyOutcome;
      /** The order's status after the reply. */
      readonly status: OrderStatus;
      /**
       * Set (with 'ignored') when the reply names another coupon, or other points, than the order asked
       * for: the contexts disagree, nothing changed. The consumer logs it at error with both sides.
       */
      readonly mismatch?: { readonly field: 'couponId' | 'points'; readonly expected: string | number | null; readonly received: string | number | null };
    };
