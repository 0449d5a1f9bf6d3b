/** GET /payments/{id}: one of the caller's payments. */
export interface GetPaymentQuery {
  readonly paymentId: string;
  /** The signed-in customer, as the gateway vouches for. */
  readonly userId: string;
}
