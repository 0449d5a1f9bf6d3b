/** A user just registered (`user.registered.v1`). */
export interface GrantWelcomeCouponsCommand {
  readonly userId: string;
}

export type WelcomeCouponSkipReason = 'NOT_CLAIMABLE' | 'SOLD_OUT' | 'LIMIT_REACHED';

/** What the grant did, template by template, for the consumer to log. */
export interface GrantWelcomeCouponsResult {
  readonly granted: ReadonlyArray<{ readonly templateId: string; readonly couponId: string }>;
  /** LIMIT_REACHED also means "granted already" (the same registration delivered again). */
  readonly skipped: ReadonlyArray<{ readonly templateId: string; readonly reason: WelcomeCouponSkipReason }>;
}
