import { Inject, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, type Logger } from '@shop/observability';
import { TransactionHost } from '@shop/persistence';
import { systemClock, type Clock } from '@shop/shared-kernel';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { idempotencyOptionsFromEnv, type IdempotencyOptions, type ResolvedIdempotencyOptions } from './idempotency.options.js';
import { IdempotencyStore } from './idempotency.store.js';
import { IDEMPOTENCY_CLOCK, IDEMPOTENCY_OPTIONS } from './idempotency.tokens.js';
import { PruningHandOff, pruneExpiredIdempotencyKeys } from './prune-idempotency-keys.job.js';
import { InFlightRequests } from './in-flight-requests.js';

export interface IdempotencyModuleOptions extends IdempotencyOptions {
  /** Where the `IDEMPOTENCY_*` variables are read (default `process.env`); the options above win over them. */
  readonly env?: NodeJS.ProcessEnv;
  /** Leases' and expiry's clock on SQLite; PostgreSQL uses the database's (instances' clocks may disagree). */
  readonly clock?: Clock;
}

/** The first pass soon after start, not an interval later: a process restarted more often than that still prunes. */
const FIRST_PRUNE_DELAY_MS = 15_000;

@Injectable()
class IdempotencyLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly transactions: TransactionHost,
    private readonly pruningHandOff: PruningHandOff,
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
    // The context's scheduler runs PruneIdempotencyKeysJob (it was instantiated): nothing to do here.
    if (!pruning || this.pruningHandOff.toScheduler) return;
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
 * bad value fails the start. Expired keys are pruned by the context's scheduler when it lists
 * `PruneIdempotencyKeysJob` among its `scheduledJobs`, else by this module on a timer.
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
        { provide: PruningHandOff, useValue: new PruningHandOff() },
        IdempotencyInterceptor,
        IdempotencyLifecycle,
      ],
      exports: [IDEMPOTENCY_OPTIONS, IDEMPOTENCY_CLOCK, IdempotencyStore, InFlightRequests, PruningHandOff, IdempotencyInterceptor],
    };
  }
}
