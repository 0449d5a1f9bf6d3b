import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { idempotencyMigrations } from '@shop/http';
import { MemoryTransport, messagingMigrations } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { waitFor } from '@shop/testing';
import { schedulerMigrations, type JobRun, type ScheduledJob } from '@shop/scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { contextModule, platformMigrations } from './context-module.js';
import { defineContextService, startContextService } from './context-service.js';
import type { RunningService, ServiceRuntime } from './service-runtime.js';

let runs = 0;

@Injectable()
class CountingJob implements ScheduledJob {
  readonly name = 'probe.count';
  readonly intervalMs = 50;
  run(_run: JobRun): Promise<number> {
    runs += 1;
    return Promise.resolve(0);
  }
}

@Controller('probe')
class ProbeController {
  @Get()
  answer(): { ok: true } {
    return { ok: true };
  }
}

@Module({})
class ProbeModule {
  static forRoot(runtime: ServiceRuntime): DynamicModule {
    return contextModule(ProbeModule, runtime, {
      entities: [],
      migrations: [],
      controllers: [ProbeController],
      jobs: [CountingJob],
      idempotency: { pruning: { intervalMs: 1_000 } },
    });
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The probe context on its own SQLite folder and in-memory transport, stopped after the test. */
async function startProbe(): Promise<{ dir: string; running: RunningService }> {
  const dir = await mkdtemp(join(tmpdir(), 'shop-context-module-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const runtime: ServiceRuntime = {
    service: 'probe',
    host: '127.0.0.1',
    port: 0,
    database: { sqliteDir: dir },
    transport: () => new MemoryTransport(silentLogger()),
    ownsTransport: true,
    internalAuthSecret: 's'.repeat(32),
    metricsToken: 'metrics-token-of-the-probe',
    logger: silentLogger(),
  };
  const service = defineContextService({ name: 'probe', config: () => ({}), module: (r) => ProbeModule.forRoot(r) });
  const running = await startContextService(service, runtime, {});
  cleanups.push(() => running.close());
  return { dir, running };
}

describe('contextModule', () => {
  it("adds the platform's part around a context: database with every migration it needs, health, metrics, its jobs and the idempotency keys' pruning", async () => {
    const { dir, running } = await startProbe();

    await waitFor(() => runs >= 2, { what: 'the context job running on its interval' });
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${running.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-of-the-probe' } })).text();
    expect(metrics).toMatch(/shop_scheduled_job_runs_total\{job="probe\.count"[^}]*\} [1-9]/);

    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'probe.sqlite'), { readonly: true });
    try {
      const jobNames = () => (db.prepare('SELECT name FROM scheduled_job ORDER BY name').all() as { name: string }[]).map((job) => job.name);
      await waitFor(() => jobNames().includes('idempotency.prune'), { what: 'the idempotency keys pruned by the scheduler' });
      expect(jobNames()).toEqual(['idempotency.prune', 'probe.count']);
      expect(db.prepare('SELECT COUNT(*) AS n FROM idempotency_key').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('with SCHEDULER_ENABLED=false the context runs no jobs, and IdempotencyModule prunes expired keys on its own timer', async () => {
    const before = process.env['SCHEDULER_ENABLED'];
    process.env['SCHEDULER_ENABLED'] = 'false';
    cleanups.push(() => Promise.resolve(before === undefined ? delete process.env['SCHEDULER_ENABLED'] : (process.env['SCHEDULER_ENABLED'] = before)));
    const runsBefore = runs;
    const { dir } = await startProbe();

    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'probe.sqlite'));
    db.pragma('busy_timeout = 2000');
    try {
      db.prepare(
        `INSERT INTO idempotency_key (scope, request_key, method, path, fingerprint, owner, locked_until, response_status, response_content_type, response_body, created_at, expires_at)
         VALUES ('user:u1', 'k1', 'POST', '/x', ?, NULL, 1, 201, NULL, '', 1, 1)`,
      ).run('f'.repeat(64));
      const keys = () => (db.prepare('SELECT COUNT(*) AS n FROM idempotency_key').get() as { n: number }).n;
      await waitFor(() => keys() === 0, { what: 'the expired key pruned by the module timer', timeoutMs: 5_000 });
      expect(db.prepare('SELECT name FROM scheduled_job').all()).toEqual([]);
      expect(runs).toBe(runsBefore);
    } finally {
      db.close();
    }
  });
});

describe('platformMigrations', () => {
  it('lists messaging first, then the scheduler and the idempotency keys only for a context that uses them', () => {
    expect(platformMigrations({ scheduler: false, idempotency: false })).toEqual(messagingMigrations);
    expect(platformMigrations({ scheduler: true, idempotency: false })).toEqual([...messagingMigrations, ...schedulerMigrations]);
    expect(platformMigrations({ scheduler: false, idempotency: true })).toEqual([...messagingMigrations, ...idempotencyMigrations]);
    expect(platformMigrations({ scheduler: true, idempotency: true })).toEqual([...messagingMigrations, ...schedulerMigrations, ...idempotencyMigrations]);
  });
});
