/** order.cancelled.v1 (CANCELLED) or order.paid.v1 (PAID): the order no longer awaits payment. */
export interface ClosePaymentForOrderCommand {
  readonly orderId: string;
  readonly userId: string;
  readonly closedAs: 'CANCELLED' | 'PAID';
}

/**
 * 'closed': the order can no longer be paid here; 'closed-before-seen': its awaiting was not heard of
 * yet, a tombstone keeps it closed when it arrives; 'unchanged': closed already (paid or cancelled
 * before: the first word stands).
 */
export type ClosePaymentForOrderResult = 'closed' | 'closed-before-seen' | 'unchanged';
