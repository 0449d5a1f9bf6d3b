import { Inject, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { TransactionHost } from '@shop/persistence';
import { systemClock, type Clock } from '@shop/shared-kernel';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { idempotencyOptionsFromEnv, type IdempotencyOptions, type ResolvedIdempotencyOptions } from './idempotency.options.js';
import { IdempotencyStore } from './idempotency.store.js';
import { IDEMPOTENCY_CLOCK, IDEMPOTENCY_OPTIONS } from './idempotency.tokens.js';
import { InFlightRequests } from './in-flight-requests.js';

export interface IdempotencyModuleOptions extends IdempotencyOptions {
  /** Where the `IDEMPOTENCY_*` variables are read (default `process.env`); the options above win over them. */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
}

/** Pruning passes stop after this many batches and go on at the next interval, so that one pass never runs for long. */
const MAX_BATCHES_PER_PASS = 100;
/** The first pass soon after start, not an interval later: a process restarted more often than that still prunes. */
const FIRST_PRUNE_DELAY_MS = 15_000;

/**
 * Deletes expired keys in bounded batches, one batch per short transaction: after start, then every
 * interval. Several instances may prune at once (each skips the rows another is deleting).
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

/**
 * The pruning as a job for `@shop/scheduler` (shaped like its `ScheduledJob`: one batch per run, run
 * again at once while batches come back full), for a service that prunes there: pass
 * `pruning: false` to `IdempotencyModule.forService` then.
 */
export function idempotencyPruneJob(store: IdempotencyStore, settings: { intervalMs?: number; batchSize?: number } = {}) {
  return {
    name: 'idempotency.prune',
    intervalMs: settings.intervalMs ?? 3600_000,
    batchSize: settings.batchSize ?? 1_000,
    run: ({ batchSize }: { readonly batchSize: number; readonly signal: AbortSignal }): Promise<number> => store.pruneExpired(batchSize),
  };
}

@Injectable()
class IdempotencyLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly transactions: TransactionHost,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A missing migration fails the start, not the first request with a key.
    try {
      await this.transactions.run(() => this.transactions.manager.query(`SELECT 1 FROM idempotency_key WHERE 1 = 0`));
    } catch (error) {
      throw new Error('IdempotencyModule: the idempotency_key table is missing; list idempotencyMigrations among the service’s migrations', { cause: error });
    }
    const pruning = this.options.pruning;
    if (!pruning) return;
    const prune = () => {
      if (this.pass || this.stopping) return;
      this.pass = pruneExpiredIdempotencyKeys(this.store, pruning.batchSize, () => !this.stopping)
        .then((deleted) => {
          if (deleted > 0) this.logger.info({ deleted }, 'idempotency: pruned expired keys');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'idempotency: pruning expired keys failed'))
        .finally(() => (this.pass = undefined));
    };
    this.timer = setTimeout(
      () => {
        prune();
        this.timer = setInterval(prune, pruning.intervalMs).unref();
      },
      Math.min(FIRST_PRUNE_DELAY_MS, pruning.intervalMs),
    ).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    // The batch in flight finishes before the database closes.
    await this.pass;
  }
}

/**
 * `Idempotency-Key` for a service's `@Idempotent()` routes: import once in the service's module,
 * beside `MessagingModule` (whose `TransactionHost` and logger it uses), and add
 * `idempotencyMigrations` to its migrations. Settings: the options, else `IDEMPOTENCY_KEY_TTL_MS`,
 * `IDEMPOTENCY_EXECUTION_TIMEOUT_MS`, `IDEMPOTENCY_WAIT_MS`, else the defaults; checked here, so a
 * bad value fails the start.
 */
@Module({})
export class IdempotencyModule {
  static forService(options: IdempotencyModuleOptions = {}): DynamicModule {
    const { env, clock, ...settings } = options;
    const resolved = idempotencyOptionsFromEnv(env ?? process.env, settings);
    return {
      module: IdempotencyModule,
      global: true,
      providers: [
        { provide: IDEMPOTENCY_OPTIONS, useValue: resolved },
        { provide: IDEMPOTENCY_CLOCK, useValue: clock ?? systemClock },
        {
          provide: IdempotencyStore,
          useFactory: (transactions: TransactionHost, storeClock: Clock) => new IdempotencyStore(transactions, resolved, storeClock),
          inject: [TransactionHost, IDEMPOTENCY_CLOCK],
        },
        { provide: InFlightRequests, useValue: new InFlightRequests() },
        IdempotencyInterceptor,
        IdempotencyLifecycle,
      ],
      exports: [IDEMPOTENCY_OPTIONS, IDEMPOTENCY_CLOCK, IdempotencyStore, InFlightRequests, IdempotencyInterceptor],
    };
  }
}
