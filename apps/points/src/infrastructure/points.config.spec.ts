import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@shop/runtime';
import { loadPointsConfig } from './points.config.js';

describe('loadPointsConfig', () => {
  it('needs nothing: a bonus of 100, reconciliation every hour by pages of 1000, reservations stuck after a day', () => {
    expect(loadPointsConfig({})).toEqual({ signupBonus: 100, reconciliation: { intervalMs: 3_600_000, pageSize: 1_000, stuckReservationMs: 86_400_000 } });
  });

  it('reads the bonus, the interval, the page size and the stuck-reservation age', () => {
    expect(
      loadPointsConfig({
        POINTS_SIGNUP_BONUS: '250',
        POINTS_RECONCILE_INTERVAL_MS: '5000',
        POINTS_RECONCILE_PAGE_SIZE: '10',
        POINTS_STUCK_RESERVATION_MS: '60000',
      }),
    ).toEqual({
      signupBonus: 250,
      reconciliation: { intervalMs: 5000, pageSize: 10, stuckReservationMs: 60_000 },
    });
  });

  it('takes a bonus of 0 (no bonus) and the bounds themselves', () => {
    expect(
      loadPointsConfig({ POINTS_SIGNUP_BONUS: '0', POINTS_RECONCILE_INTERVAL_MS: '1', POINTS_RECONCILE_PAGE_SIZE: '1', POINTS_STUCK_RESERVATION_MS: '1' }),
    ).toEqual({
      signupBonus: 0,
      reconciliation: { intervalMs: 1, pageSize: 1, stuckReservationMs: 1 },
    });
    expect(
      loadPointsConfig({
        POINTS_SIGNUP_BONUS: '1000000',
        POINTS_RECONCILE_INTERVAL_MS: '2147483647',
        POINTS_RECONCILE_PAGE_SIZE: '10000',
        POINTS_STUCK_RESERVATION_MS: '31536000000',
      }),
    ).toEqual({
      signupBonus: 1_000_000,
      reconciliation: { intervalMs: 2_147_483_647, pageSize: 10_000, stuckReservationMs: 31_536_000_000 },
    });
  });

  it('lists every problem at once, by variable, saying what it expects', () => {
    try {
      loadPointsConfig({ POINTS_SIGNUP_BONUS: 'lots', POINTS_RECONCILE_INTERVAL_MS: '1h', POINTS_RECONCILE_PAGE_SIZE: '0' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const problems = (error as ConfigurationError).problems;
      expect(problems.map((problem) => problem.variable)).toEqual(['POINTS_SIGNUP_BONUS', 'POINTS_RECONCILE_INTERVAL_MS', 'POINTS_RECONCILE_PAGE_SIZE']);
      expect(problems[0]!.problem).toContain('an integer from 0 to 1000000');
      expect((error as Error).message).toContain('POINTS_RECONCILE_PAGE_SIZE: invalid; expected an integer from 1 to 10000');
    }
  });

  it.each([
    ['POINTS_SIGNUP_BONUS', '-1'],
    ['POINTS_SIGNUP_BONUS', '1000001'],
    ['POINTS_SIGNUP_BONUS', '2.5'],
    ['POINTS_RECONCILE_INTERVAL_MS', '0'],
    ['POINTS_RECONCILE_INTERVAL_MS', '2147483648'],
    ['POINTS_RECONCILE_PAGE_SIZE', '10001'],
    ['POINTS_RECONCILE_PAGE_SIZE', '1e3'],
    ['POINTS_STUCK_RESERVATION_MS', '0'],
    ['POINTS_STUCK_RESERVATION_MS', '31536000001'],
    ['POINTS_STUCK_RESERVATION_MS', '1d'],
  ])('refuses %s=%j', (variable, value) => {
    expect(() => loadPointsConfig({ [variable]: value })).toThrow(new RegExp(`${variable}: invalid`));
  });
});
