/** One run of the expiry job. */
export interface ExpireCouponsCommand {
  /** At most this many coupons in this run (a bounded batch, one transaction). */
  readonly limit: number;
}
