import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@shop/runtime';
import { loadCouponConfig } from './coupon.config.js';

describe('loadCouponConfig', () => {
  it('needs nothing: the expiry job runs every minute on batches of 500', () => {
    expect(loadCouponConfig({})).toEqual({ expiry: { intervalMs: 60_000, batchSize: 500 } });
  });

  it('reads the expiry interval and batch size', () => {
    expect(loadCouponConfig({ COUPON_EXPIRY_INTERVAL_MS: '5000', COUPON_EXPIRY_BATCH_SIZE: '50' })).toEqual({ expiry: { intervalMs: 5000, batchSize: 50 } });
  });

  it('lists every problem at once, by variable', () => {
    try {
      loadCouponConfig({ COUPON_EXPIRY_INTERVAL_MS: '1m', COUPON_EXPIRY_BATCH_SIZE: '20000' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).problems.map((problem) => problem.variable)).toEqual(['COUPON_EXPIRY_INTERVAL_MS', 'COUPON_EXPIRY_BATCH_SIZE']);
    }
  });

  it.each([
    ['COUPON_EXPIRY_INTERVAL_MS', '0'],
    ['COUPON_EXPIRY_INTERVAL_MS', '2147483648'],
    ['COUPON_EXPIRY_BATCH_SIZE', '-1'],
    ['COUPON_EXPIRY_BATCH_SIZE', '1.5'],
    ['COUPON_EXPIRY_BATCH_SIZE', '10001'],
  ])('refuses %s=%j', (variable, value) => {
    expect(() => loadCouponConfig({ [variable]: value })).toThrow(new RegExp(variable));
  });
});
