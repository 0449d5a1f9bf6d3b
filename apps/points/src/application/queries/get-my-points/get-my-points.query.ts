export interface GetMyPointsQuery {
  /** The signed-in user, as the gateway vouches for. */
  readonly userId: string;
}
