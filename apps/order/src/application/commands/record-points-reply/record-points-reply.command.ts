import type { PointsRejectionReason } from '../../../domain/order-status.js';

export type { SagaReplyResult as RecordPointsReplyResult } from '../saga-reply.js';

/** The points context's answer to an order's placement: points.reserved.v1 or points.reservation-rejected.v1. */
export interface RecordPointsReplyCommand {
  readonly orderId: string;
  readonly reply: { readonly kind: 'reserved'; readonly points: number } | { readonly kind: 'rejected'; readonly reason: PointsRejectionReason };
}
