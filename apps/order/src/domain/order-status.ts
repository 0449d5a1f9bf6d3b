/**
 * The order's lifecycle (DESIGN.md section 5). The domain keeps its own copies of these lists (it
 * imports only the shared kernel); a spec holds them equal to the published contract's.
 */
export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'PAID',
  'ACCEPTED',
  'SHIPPED',
  'DELIVERED',
  'COMPLETED',
  'CANCELLED',
  'REFUNDING',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The legal moves, and the only ones: `PENDING → AWAITING_PAYMENT → PAID → ACCEPTED → SHIPPED →
 * DELIVERED → COMPLETED`; `PENDING | AWAITING_PAYMENT → CANCELLED`; `PAID … COMPLETED → REFUNDING →
 * REFUNDED`. CANCELLED and REFUNDED are final. COMPLETED → REFUNDING is taken only by a refund the
 * payment provider made by itself (the money is gone, so the order follows it and the participants give
 * back); a customer may ask a refund up to DELIVERED only (REFUNDABLE_STATUSES).
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  PENDING: ['AWAITING_PAYMENT', 'CANCELLED'],
  AWAITING_PAYMENT: ['PAID', 'CANCELLED'],
  PAID: ['ACCEPTED', 'REFUNDING'],
  ACCEPTED: ['SHIPPED', 'REFUNDING'],
  SHIPPED: ['DELIVERED', 'REFUNDING'],
  DELIVERED: ['COMPLETED', 'REFUNDING'],
  COMPLETED: ['REFUNDING'],
  CANCELLED: [],
  REFUNDING: ['REFUNDED'],
  REFUNDED: [],
});

export const canMoveTo = (from: OrderStatus, to: OrderStatus): boolean => ORDER_TRANSITIONS[from].includes(to);

/** Paid and not completed: the statuses a customer may ask a refund from (a provider's refund lands on COMPLETED too). */
export const REFUNDABLE_STATUSES: readonly OrderStatus[] = ['PAID', 'ACCEPTED', 'SHIPPED', 'DELIVERED'];

/**
 * Where one reservation of the checkout saga stands: NOT_REQUIRED (no coupon, or no points to use),
 * WAITING for the participant's answer, RESERVED or REJECTED by it.
 */
export const RESERVATION_STEPS = ['NOT_REQUIRED', 'WAITING', 'RESERVED', 'REJECTED'] as const;
export type ReservationStep = (typeof RESERVATION_STEPS)[number];

/** Why the coupon context refused to lock a coupon (its `coupon.reservation-rejected.v1` reasons). */
export const COUPON_REJECTION_REASONS = ['NOT_FOUND', 'NOT_OWNER', 'NOT_AVAILABLE', 'EXPIRED', 'BELOW_MIN_SPEND', 'ORDER_CANCELLED'] as const;
export type CouponRejectionReason = (typeof COUPON_REJECTION_REASONS)[number];

/** Why the points context refused to freeze points (its `points.reservation-rejected.v1` reasons). */
export const POINTS_REJECTION_REASONS = ['INSUFFICIENT_POINTS', 'ORDER_CANCELLED'] as const;
export type PointsRejectionReason = (typeof POINTS_REJECTION_REASONS)[number];

/**
 * Why an order was cancelled: by its customer, by a deadline, because the points and discount come
 * to more than the subtotal, or because a participant refused (`COUPON_` / `POINTS_` + its reason).
 */
export const ORDER_CANCEL_REASONS = [
  'CUSTOMER_CANCELLED',
  'RESERVATION_TIMEOUT',
  'PAYMENT_TIMEOUT',
  'POINTS_EXCEED_PAYABLE',
  ...COUPON_REJECTION_REASONS.map((reason) => `COUPON_${reason}` as const),
  ...POINTS_REJECTION_REASONS.map((reason) => `POINTS_${reason}` as const),
] as const;
export type OrderCancelReason =
  | 'CUSTOMER_CANCELLED'
  | 'RESERVATION_TIMEOUT'
  | 'PAYMENT_TIMEOUT'
  | 'POINTS_EXCEED_PAYABLE'
  | `COUPON_${CouponRejectionReason}`
  | `POINTS_${PointsRejectionReason}`;

/**
 * Why the order asks the payment context to refund a payment: the customer asked, or a payment it
 * cannot keep (after its cancellation, a second one, or one of another amount than payable).
 */
export const REFUND_REASONS = ['CUSTOMER_REQUEST', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT', 'AMOUNT_MISMATCH'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/** The history reason of an order refunded by the payment context without being asked (its captured payment). */
export const PAYMENT_REFUNDED = 'PAYMENT_REFUNDED';
