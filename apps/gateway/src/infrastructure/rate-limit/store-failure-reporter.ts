import type { Logger } from '@shop/observability';
import type { RateLimitCounter, RateLimitTelemetry } from '../../application/ports/gateway-telemetry.js';

/**
 * What happens when the rate limit store fails: each failure is counted in the metrics, and a
 * warning is logged at most once per `intervalMs` (with how many were left out) so that a dead
 * Redis under load does not flood the log.
 */
export class StoreFailureReporter {
  private lastWarningAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    private readonly logger: Logger,
    private readonly telemetry: RateLimitTelemetry,
    private readonly intervalMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A request was let through unchecked because the store failed. */
  failed(counter: RateLimitCounter, error: unknown): void {
    this.telemetry.rateLimitStoreFailed(counter);
    this.warn(error, 'rate limit store failed: the request was let through unchecked (fail open)', counter);
  }

  /** The connection to the store failed (it is retried in the background). */
  connectionFailed(error: unknown): void {
    this.warn(error, 'rate limit store unreachable: requests go through unchecked until it is back');
  }

  private warn(error: unknown, message: string, counter?: RateLimitCounter): void {
    const now = this.now();
    if (now - this.lastWarningAt < this.intervalMs) {
      this.unlogged += 1;
      return;
    }
    this.logger.warn({ err: error, ...(counter ? { counter } : {}), unloggedSinceLastWarning: this.unlogged }, message);
    this.lastWarningAt = now;
    this.unlogged = 0;
  }
}
