// A context declaring a job the one way there is, on a real Nest app: the job is injected from the
// context's own providers, starts with the app, and shutting down waits for its run in flight and
// releases the lease before the database closes (MessagingModule closes it in onApplicationShutdown).
import { Global, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { LOGGER, silentLogger } from '@shop/observability';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRun, ScheduledJob } from '../scheduled-job.js';
import { schedulerMigrations } from '../migrations/index.js';
import { SchedulerMetrics } from '../scheduler-metrics.js';
import { scheduledJobs, schedulerEnabledFromEnv } from './scheduled-jobs.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A use case of the context, which the job calls. */
@Injectable()
class ExpireDueThings {
  readonly calls: number[] = [];
  running = false;
  async execute(limit: number, signal: AbortSignal): Promise<number> {
    this.running = true;
    this.calls.push(limit);
    await sleep(150);
    this.running = false;
    signal.throwIfAborted();
    return 0;
  }
}

@Injectable()
class ExpireDueThingsJob implements ScheduledJob {
  readonly name = 'things.expire';
  readonly intervalMs = 20;
  readonly batchSize = 7;
  constructor(private readonly expire: ExpireDueThings) {}
  run({ batchSize, signal }: JobRun): Promise<number> {
    return this.expire.execute(batchSize, signal);
  }
}

/** Stands in for MessagingModule: the service's TransactionHost and logger, the database closed on shutdown. */
async function fakeMessaging(seen: { leaseAtClose?: unknown }): Promise<DynamicModule> {
  const transactions = new TransactionHost(
    await openDataSource({ service: 'scheduler_nest', sqliteDir: ':memory:', entities: [], migrations: schedulerMigrations }),
  );
  @Injectable()
  class CloseDatabase implements OnApplicationShutdown {
    async onApplicationShutdown() {
      seen.leaseAtClose = await transactions.dataSource.query(`SELECT owner, last_handled FROM scheduled_job`);
      await transactions.dataSource.destroy();
    }
  }
  @Global()
  @Module({})
  class FakeMessagingModule {}
  return {
    module: FakeMessagingModule,
    providers: [{ provide: TransactionHost, useValue: transactions }, { provide: LOGGER, useValue: silentLogger() }, CloseDatabase],
    exports: [TransactionHost, LOGGER],
  };
}

let app: INestApplicationContext | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function startContext(options: { enabled?: boolean }, seen: { leaseAtClose?: unknown } = {}) {
  const metrics = new SchedulerMetrics();
  @Module({})
  class ThingsModule {
    static forRoot(messaging: DynamicModule): DynamicModule {
      return {
        module: ThingsModule,
        imports: [messaging],
        providers: [ExpireDueThings, ...scheduledJobs({ jobs: [ExpireDueThingsJob], metrics, jitter: 0, enabled: options.enabled })],
      };
    }
  }
  app = await NestFactory.createApplicationContext(ThingsModule.forRoot(await fakeMessaging(seen)), { logger: false });
  return { useCase: app.get(ExpireDueThings), metrics };
}

describe('scheduledJobs() in a Nest app', () => {
  it('runs the context job with its injected use case from bootstrap, and on shutdown waits for the run in flight before the database closes', async () => {
    const seen: { leaseAtClose?: unknown } = {};
    const { useCase } = await startContext({}, seen);
    await sleep(10); // bootstrap started the loop; its first run begins at once (no jitter)
    for (let i = 0; i < 100 && !useCase.running; i++) await sleep(5);
    expect(useCase.running).toBe(true);
    expect(useCase.calls).toEqual([7]);
    await app!.close();
    app = undefined;
    expect(useCase.running).toBe(false);
    expect(seen.leaseAtClose).toEqual([{ owner: null, last_handled: 0 }]);
  });

  it('runs nothing when disabled', async () => {
    const { useCase, metrics } = await startContext({ enabled: false });
    await sleep(100);
    expect(useCase.calls).toEqual([]);
    expect(await metrics.registry.metrics()).not.toMatch(/shop_scheduled_job_runs_total\{/);
  });

  it('reads SCHEDULER_ENABLED strictly', () => {
    expect(schedulerEnabledFromEnv({})).toBe(true);
    expect(schedulerEnabledFromEnv({ SCHEDULER_ENABLED: 'true' })).toBe(true);
    expect(schedulerEnabledFromEnv({ SCHEDULER_ENABLED: '0' })).toBe(false);
    expect(schedulerEnabledFromEnv({ SCHEDULER_ENABLED: 'FALSE' })).toBe(false);
    expect(() => schedulerEnabledFromEnv({ SCHEDULER_ENABLED: 'no' })).toThrow(/SCHEDULER_ENABLED/);
  });
});
