import { silentLogger } from '@shop/observability';
import { describe, expect, it } from 'vitest';
import { HealthChecks } from './health-checks.js';

const never = () => new Promise<never>(() => undefined);

describe('HealthChecks', () => {
  it('is ready when every check is up, with each check in detail', async () => {
    const checks = new HealthChecks({ database: async () => [{ 1: 1 }], broker: () => true }, silentLogger());
    const report = await checks.readiness();
    expect(report).toMatchObject({ ready: true, draining: false, checks: { database: { status: 'up' }, broker: { status: 'up' } } });
    expect(report.checks['database']?.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(report.checkedAt)).not.toBeNaN();
    expect(await checks.run()).toEqual({ status: 'ok', checks: { database: 'up', broker: 'up' } });
  });

  it('is not ready, naming the check that threw, rejected, said false or hung, and why, without the error itself', async () => {
    const checks = new HealthChecks(
      {
        database: () => Promise.reject(new Error('connection refused 10.1.2.3')),
        broker: () => false,
        cache: () => {
          throw new Error('boom');
        },
        slow: never,
        fine: () => undefined,
      },
      silentLogger(),
      { timeoutMs: 50 },
    );
    const report = await checks.readiness();
    expect(report.ready).toBe(false);
    expect(Object.fromEntries(Object.entries(report.checks).map(([name, result]) => [name, [result.status, result.reason]]))).toEqual({
      database: ['down', 'error'],
      broker: ['down', 'reported-down'],
      cache: ['down', 'error'],
      slow: ['down', 'timeout'],
      fine: ['up', undefined],
    });
    expect(JSON.stringify(report)).not.toContain('10.1.2.3');
    expect(await checks.run()).toEqual({ status: 'unavailable', checks: { database: 'down', broker: 'down', cache: 'down', slow: 'down', fine: 'up' } });
  });

  it('bounds each check by its own deadline when it has one', async () => {
    const checks = new HealthChecks({ quick: { check: never, timeoutMs: 30 }, patient: { check: never } }, silentLogger(), { timeoutMs: 400 });
    const started = performance.now();
    const first = checks.readiness();
    const report = await first;
    expect(report.checks['quick']).toMatchObject({ status: 'down', reason: 'timeout' });
    expect(report.checks['quick']!.durationMs).toBeLessThan(300);
    expect(report.checks['patient']).toMatchObject({ status: 'down', reason: 'timeout' });
    expect(report.checks['patient']!.durationMs).toBeGreaterThanOrEqual(350);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('runs the checks once for concurrent requests, and reuses the answer for cacheMs', async () => {
    let calls = 0;
    let clock = 0;
    const checks = new HealthChecks(
      {
        database: async () => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        },
      },
      silentLogger(),
      { cacheMs: 1_000, now: () => clock },
    );
    const reports = await Promise.all(Array.from({ length: 25 }, () => checks.readiness()));
    expect(calls).toBe(1);
    expect(new Set(reports.map((report) => report.checkedAt)).size).toBe(1);
    clock = 999;
    await checks.readiness();
    await checks.run();
    expect(calls).toBe(1);
    clock = 1_000;
    await checks.readiness();
    expect(calls).toBe(2);
  });

  it('without a cache, runs the checks again for each request that comes after a run', async () => {
    let calls = 0;
    const checks = new HealthChecks({ database: () => (calls += 1) }, silentLogger());
    await checks.readiness();
    await checks.readiness();
    expect(calls).toBe(2);
  });

  it('never starts a check again while an earlier call of it still hangs: the next run waits on the same call', async () => {
    let calls = 0;
    let answer: (value: boolean) => void = () => undefined;
    const checks = new HealthChecks(
      {
        database: () => {
          calls += 1;
          // The first call hangs until the test answers it; later ones answer at once.
          return calls === 1 ? new Promise<boolean>((resolve) => (answer = resolve)) : true;
        },
      },
      silentLogger(),
      { timeoutMs: 30 },
    );
    expect((await checks.readiness()).checks['database']).toMatchObject({ status: 'down', reason: 'timeout' });
    expect((await checks.readiness()).checks['database']).toMatchObject({ status: 'down', reason: 'timeout' });
    expect(calls).toBe(1);
    answer(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await checks.readiness()).ready).toBe(true);
    expect(calls).toBe(2);
  });

  it('once draining, answers not ready without running a check, cache or no cache', async () => {
    let calls = 0;
    const checks = new HealthChecks({ database: () => (calls += 1) }, silentLogger(), { cacheMs: 60_000 });
    expect((await checks.readiness()).ready).toBe(true);
    expect(checks.draining).toBe(false);
    checks.startDraining();
    const report = await checks.readiness();
    expect(report).toMatchObject({ ready: false, draining: true, checks: {} });
    expect(checks.draining).toBe(true);
    expect(calls).toBe(1);
  });
});
