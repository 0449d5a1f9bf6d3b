import type { CouponRejectionReason } from '../../../domain/order-status.js';

export type { SagaReplyResult as RecordCouponReplyResult } from '../saga-reply.js';

/** The coupon context's answer to an order's placement: coupon.reserved.v1 or coupon.reservation-rejected.v1. */
export interface RecordCouponReplyCommand {
  readonly orderId: string;
  readonly reply:
    | { readonly kind: 'reserved'; readonly couponId: string; readonly discount: number }
    | { readonly kind: 'rejected'; readonly couponId: string; readonly reason: CouponRejectionReason };
}
