/** One run of claims through the gateway, each token once, sent by the bench to the load client. */
export interface ClaimJob {
  readonly name: string;
  /** The gateway's origin, e.g. `http://127.0.0.1:3000`. */
  readonly origin: string;
  /** The claim route of the template, under `/api/v1`. */
  readonly path: string;
  /** One access token per user, in the order they claim. */
  readonly tokens: readonly string[];
  /** Attempts in flight at once, each on its own keep-alive connection. */
  readonly connections: number;
}
