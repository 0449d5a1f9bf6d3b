import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedIdempotencyOptions } from './idempotency.options.js';
import { IdempotencyStore } from './idempotency.store.js';
import { IDEMPOTENCY_OPTIONS } from './idempotency.tokens.js';

/** Pruning passes of the module's own timer stop after this many batches and go on at the next interval. */
const MAX_BATCHES_PER_PASS = 100;

/** Set once the context's scheduler has the prune job, so that the module's own timer stays off. */
export class PruningHandOff {
  toScheduler = false;
}

/**
 * Deletes expired keys, one bounded batch per run, as a `@shop/scheduler` job (the shape of its
 * `ScheduledJob`; `@shop/http` does not depend on the scheduler): a context that runs the
 * scheduler lists it, `scheduledJobs({ jobs: [..., PruneIdempotencyKeysJob] })`, and gets one
 * instance at a time, a shared schedule, the scheduler's metrics and `scheduled_job` row. Its
 * interval and batch size are `IdempotencyModule`'s `pruning` settings.
 */
@Injectable()
export class PruneIdempotencyKeysJob {
  readonly name = 'idempotency.prune';
  readonly intervalMs: number;
  readonly batchSize: number;

  constructor(
    private readonly store: IdempotencyStore,
    handOff: PruningHandOff,
    @Inject(IDEMPOTENCY_OPTIONS) options: ResolvedIdempotencyOptions,
  ) {
    if (!options.pruning) throw new Error('PruneIdempotencyKeysJob: IdempotencyModule was set up with pruning: false');
    this.intervalMs = options.pruning.intervalMs;
    this.batchSize = options.pruning.batchSize;
    handOff.toScheduler = true;
  }

  run({ batchSize, signal }: { readonly batchSize: number; readonly signal: AbortSignal }): Promise<number> {
    return this.store.pruneExpired(batchSize, signal);
  }
}

/**
 * The module's own pruning pass, for a context without the scheduler: batches until one comes back
 * short, at most `maxBatches`, each in its own short transaction. Several instances may prune at
 * once (each skips the rows another is deleting).
 */
export async function pruneExpiredIdempotencyKeys(
  store: IdempotencyStore,
  batchSize: number,
  keepGoing: () => boolean = () => true,
  maxBatches = MAX_BATCHES_PER_PASS,
): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < maxBatches && keepGoing(); batch++) {
    const deleted = await store.pruneExpired(batchSize);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
