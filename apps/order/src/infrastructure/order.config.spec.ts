import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@shop/runtime';
import { loadOrderConfig } from './order.config.js';

describe('loadOrderConfig', () => {
  it('needs nothing: reservations wait 30 s, payments 15 min, a scan every second by batches of 100, no demo catalog', () => {
    expect(loadOrderConfig({})).toEqual({
      reservationTimeoutMs: 30_000,
      paymentTimeoutMs: 900_000,
      timeoutScanIntervalMs: 1_000,
      timeoutBatchSize: 100,
      demoCatalog: false,
    });
  });

  it('reads the timeouts in ms or with a unit, the scan settings and the demo catalog switch', () => {
    expect(
      loadOrderConfig({
        ORDER_RESERVATION_TIMEOUT: '1s',
        ORDER_PAYMENT_TIMEOUT: '2h',
        ORDER_TIMEOUT_SCAN_INTERVAL_MS: '250',
        ORDER_TIMEOUT_BATCH_SIZE: '10',
        ORDER_DEMO_CATALOG: 'true',
      }),
    ).toEqual({ reservationTimeoutMs: 1_000, paymentTimeoutMs: 7_200_000, timeoutScanIntervalMs: 250, timeoutBatchSize: 10, demoCatalog: true });
    expect(loadOrderConfig({ ORDER_RESERVATION_TIMEOUT: '45000', ORDER_PAYMENT_TIMEOUT: '1500ms', ORDER_DEMO_CATALOG: '0' })).toMatchObject({
      reservationTimeoutMs: 45_000,
      paymentTimeoutMs: 1_500,
      demoCatalog: false,
    });
  });

  it('takes the bounds themselves', () => {
    expect(
      loadOrderConfig({
        ORDER_RESERVATION_TIMEOUT: '1h',
        ORDER_PAYMENT_TIMEOUT: '12h',
        ORDER_TIMEOUT_SCAN_INTERVAL_MS: '2147483647',
        ORDER_TIMEOUT_BATCH_SIZE: '10000',
      }),
    ).toMatchObject({ reservationTimeoutMs: 3_600_000, paymentTimeoutMs: 43_200_000, timeoutScanIntervalMs: 2_147_483_647, timeoutBatchSize: 10_000 });
    expect(
      loadOrderConfig({ ORDER_RESERVATION_TIMEOUT: '1s', ORDER_PAYMENT_TIMEOUT: '1000', ORDER_TIMEOUT_SCAN_INTERVAL_MS: '50', ORDER_TIMEOUT_BATCH_SIZE: '1' }),
    ).toMatchObject({ reservationTimeoutMs: 1_000, paymentTimeoutMs: 1_000, timeoutScanIntervalMs: 50, timeoutBatchSize: 1 });
  });

  it('lists every problem at once, by variable, saying what it expects', () => {
    try {
      loadOrderConfig({ ORDER_RESERVATION_TIMEOUT: '30 seconds', ORDER_PAYMENT_TIMEOUT: '2d', ORDER_TIMEOUT_BATCH_SIZE: '0', ORDER_DEMO_CATALOG: 'yes' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const problems = (error as ConfigurationError).problems;
      expect(problems.map((problem) => problem.variable)).toEqual([
        'ORDER_RESERVATION_TIMEOUT',
        'ORDER_PAYMENT_TIMEOUT',
        'ORDER_TIMEOUT_BATCH_SIZE',
        'ORDER_DEMO_CATALOG',
      ]);
      expect(problems[0]!.problem).toContain('a duration from 1s to 1h');
      expect(problems[1]!.problem).toContain('a duration from 1s to 12h');
      expect((error as Error).message).toContain('ORDER_TIMEOUT_BATCH_SIZE: invalid; expected an integer from 1 to 10000');
    }
  });

  it.each([
    ['ORDER_RESERVATION_TIMEOUT', '999'],
    ['ORDER_RESERVATION_TIMEOUT', '0s'],
    ['ORDER_RESERVATION_TIMEOUT', '61m'],
    ['ORDER_RESERVATION_TIMEOUT', '1.5s'],
    ['ORDER_PAYMENT_TIMEOUT', '13h'],
    ['ORDER_PAYMENT_TIMEOUT', '43200001'],
    ['ORDER_PAYMENT_TIMEOUT', '-15m'],
    ['ORDER_TIMEOUT_SCAN_INTERVAL_MS', '0'],
    ['ORDER_TIMEOUT_SCAN_INTERVAL_MS', '1'],
    ['ORDER_TIMEOUT_SCAN_INTERVAL_MS', '49'],
    ['ORDER_TIMEOUT_SCAN_INTERVAL_MS', '1s'],
    ['ORDER_TIMEOUT_SCAN_INTERVAL_MS', '2147483648'],
    ['ORDER_TIMEOUT_BATCH_SIZE', '10001'],
    ['ORDER_DEMO_CATALOG', 'maybe'],
  ])('refuses %s=%j', (variable, value) => {
    expect(() => loadOrderConfig({ [variable]: value })).toThrow(new RegExp(`${variable}: invalid`));
  });
});
