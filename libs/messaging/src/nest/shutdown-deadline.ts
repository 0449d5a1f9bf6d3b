import type { Logger } from 'pino';
import { withDeadline } from '@shop/shared-kernel';

/** The share of the shutdown deadline the work in flight may use; closing connections gets the rest. */
export const WORK_SHARE_OF_SHUTDOWN = 0.8;

export type ShutdownOutcome = 'done' | 'failed' | 'abandoned';

/**
 * One deadline for a whole shutdown. Each step starts even when no time is left (so that it stops
 * taking new work), and is awaited at most until its phase ends: the work in flight (consumer,
 * relay) until `WORK_SHARE_OF_SHUTDOWN` of the time, closing connections until the end. A step that
 * overruns is abandoned, not cancelled, and named in the log; at-least-once delivery makes that safe
 * (an unacknowledged delivery returns to its queue, an unconfirmed outbox row stays pending).
 */
export class ShutdownDeadline {
  private readonly startedAt: number;

  constructor(
    readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** A step of the work in flight: awaited until the work share of the deadline is used up. */
  finishWork(step: string, work: () => Promise<unknown>): Promise<ShutdownOutcome> {
    return this.await(step, work, this.startedAt + this.timeoutMs * WORK_SHARE_OF_SHUTDOWN);
  }

  /** Closing a connection: awaited until the deadline. */
  close(step: string, work: () => Promise<unknown>): Promise<ShutdownOutcome> {
    return this.await(step, work, this.startedAt + this.timeoutMs);
  }

  private async await(step: string, work: () => Promise<unknown>, endsAt: number): Promise<ShutdownOutcome> {
    const finished = (async () => work())().then(
      () => 'done' as const,
      (error: unknown) => {
        this.logger.warn({ err: error, step }, `shutdown: ${step} failed`);
        return 'failed' as const;
      },
    );
    const outcome = await withDeadline(finished, endsAt - this.now(), () => 'abandoned' as const);
    if (outcome === 'abandoned') {
      this.logger.warn(
        { step, shutdownTimeoutMs: this.timeoutMs, elapsedMs: this.now() - this.startedAt },
        `shutdown: ${step} did not finish within the shutdown deadline; abandoned (unacknowledged deliveries return to their queue, unpublished outbox rows stay pending)`,
      );
    }
    return outcome;
  }
}
