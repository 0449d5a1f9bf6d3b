/** order.awaiting-payment.v1: the order awaits its payment. */
export interface OpenPaymentForOrderCommand {
  readonly orderId: string;
  readonly userId: string;
  /** What is left to pay, whole fen; 0 when a coupon and points covered it all. */
  readonly payable: number;
  /** When the order stops awaiting payment. */
  readonly paymentDueAt: Date;
}

/**
 * 'opened': the order may be paid now; 'settled-free': nothing to pay, a payment of 0 SUCCEEDED at once
 * (payment.succeeded.v1: the order becomes PAID); 'duplicate': heard before; 'ignored': the order was
 * closed already (cancelled or paid before its awaiting arrived): nothing changed.
 */
export type OpenPaymentForOrderResult = 'opened' | 'settled-free' | 'duplicate' | 'ignored';
