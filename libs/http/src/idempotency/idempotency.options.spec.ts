import { describe, expect, it } from 'vitest';
import { IdempotencyConfigError, idempotencyOptionsFromEnv, resolveIdempotencyOptions } from './idempotency.options.js';

describe('idempotency settings', () => {
  it('default to keys kept 24 h, a 30 s execution timeout (lease 35 s), a 3 s wait and hourly pruning of 1,000 rows a batch', () => {
    expect(resolveIdempotencyOptions()).toEqual({
      ttlMs: 86_400_000,
      executionTimeoutMs: 30_000,
      leaseMs: 35_000,
      waitMs: 3_000,
      pruning: { intervalMs: 3_600_000, batchSize: 1_000 },
    });
  });

  it('are read from IDEMPOTENCY_KEY_TTL_MS, IDEMPOTENCY_EXECUTION_TIMEOUT_MS and IDEMPOTENCY_WAIT_MS; explicit options win', () => {
    const env = { IDEMPOTENCY_KEY_TTL_MS: '3600000', IDEMPOTENCY_EXECUTION_TIMEOUT_MS: '10000', IDEMPOTENCY_WAIT_MS: ' 0 ' };
    expect(idempotencyOptionsFromEnv(env)).toMatchObject({ ttlMs: 3_600_000, executionTimeoutMs: 10_000, leaseMs: 15_000, waitMs: 0 });
    expect(idempotencyOptionsFromEnv(env, { ttlMs: 7_200_000 }).ttlMs).toBe(7_200_000);
    expect(idempotencyOptionsFromEnv({ IDEMPOTENCY_KEY_TTL_MS: '' }).ttlMs).toBe(86_400_000);
  });

  it.each([
    [{ IDEMPOTENCY_KEY_TTL_MS: '24h' }, /IDEMPOTENCY_KEY_TTL_MS must be a whole number of ms from 60000 to 2592000000, not "24h"/],
    [{ IDEMPOTENCY_KEY_TTL_MS: '1e8' }, /IDEMPOTENCY_KEY_TTL_MS .* not "1e8"/],
    [{ IDEMPOTENCY_KEY_TTL_MS: '-5' }, /IDEMPOTENCY_KEY_TTL_MS/],
    [{ IDEMPOTENCY_KEY_TTL_MS: '59999' }, /IDEMPOTENCY_KEY_TTL_MS .* not 59999/],
    [{ IDEMPOTENCY_KEY_TTL_MS: '9999999999' }, /IDEMPOTENCY_KEY_TTL_MS/],
    [{ IDEMPOTENCY_EXECUTION_TIMEOUT_MS: '0' }, /IDEMPOTENCY_EXECUTION_TIMEOUT_MS/],
    [{ IDEMPOTENCY_WAIT_MS: '0x10' }, /IDEMPOTENCY_WAIT_MS .* not "0x10"/],
    // A key must outlive its request by far.
    [{ IDEMPOTENCY_KEY_TTL_MS: '60000', IDEMPOTENCY_EXECUTION_TIMEOUT_MS: '60000' }, /IDEMPOTENCY_KEY_TTL_MS \(60000\) must be at least twice/],
  ])('refuse %o with a message naming the variable', (env, message) => {
    expect(() => idempotencyOptionsFromEnv(env)).toThrow(IdempotencyConfigError);
    expect(() => idempotencyOptionsFromEnv(env)).toThrow(message);
  });

  it('list every bad value at once', () => {
    expect(() => idempotencyOptionsFromEnv({ IDEMPOTENCY_KEY_TTL_MS: 'x', IDEMPOTENCY_WAIT_MS: 'y' })).toThrow(/IDEMPOTENCY_KEY_TTL_MS.*; IDEMPOTENCY_WAIT_MS/);
  });

  it('check options given in code too, pruning included', () => {
    expect(() => resolveIdempotencyOptions({ ttlMs: 1.5 })).toThrow(/ttlMs must be a whole number/);
    expect(() => resolveIdempotencyOptions({ pruning: { batchSize: 0 } })).toThrow(/pruning.batchSize must be a whole number of rows/);
    expect(resolveIdempotencyOptions({ pruning: false }).pruning).toBe(false);
  });
});
