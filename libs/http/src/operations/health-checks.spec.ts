import { silentLogger } from '@shop/observability';
import { describe, expect, it } from 'vitest';
import { HealthChecks } from './health-checks.js';

describe('HealthChecks', () => {
  it('is ok when every check is up', async () => {
    const checks = new HealthChecks({ database: async () => [{ 1: 1 }], broker: () => true }, silentLogger());
    expect(await checks.run()).toEqual({ status: 'ok', checks: { database: 'up', broker: 'up' } });
  });

  it('is unavailable, naming the check that threw, rejected, said false or hung', async () => {
    const checks = new HealthChecks(
      {
        database: () => Promise.reject(new Error('connection refused')),
        broker: () => false,
        cache: () => {
          throw new Error('boom');
        },
        slow: () => new Promise(() => undefined),
        fine: () => undefined,
      },
      silentLogger(),
      50,
    );
    expect(await checks.run()).toEqual({ status: 'unavailable', checks: { database: 'down', broker: 'down', cache: 'down', slow: 'down', fine: 'up' } });
  });
});
