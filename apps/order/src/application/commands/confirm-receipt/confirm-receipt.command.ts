export interface ConfirmReceiptCommand {
  readonly orderId: string;
  /** The signed-in customer: only their own order is found. */
  readonly userId: string;
}
