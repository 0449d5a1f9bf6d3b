export interface ClaimCouponCommand {
  readonly templateId: string;
  /** The signed-in user, as the gateway vouches for. */
  readonly userId: string;
}
