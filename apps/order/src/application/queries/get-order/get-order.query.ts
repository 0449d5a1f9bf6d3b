export interface GetOrderQuery {
  readonly orderId: string;
  /** The customer asking (only their own order is found); null for an admin. */
  readonly userId: string | null;
}
