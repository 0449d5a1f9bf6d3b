/** From `user.registered.v1`. */
export interface GrantSignupBonusCommand {
  readonly userId: string;
}

export type GrantSignupBonusResult =
  | { readonly outcome: 'granted'; readonly points: number }
  /** The user's bonus is in the ledger already (a redelivery): no change. */
  | { readonly outcome: 'already-granted' }
  /** The configured bonus is 0: nothing granted, nothing written. */
  | { readonly outcome: 'disabled' };
