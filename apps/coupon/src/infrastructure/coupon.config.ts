import { intBetween, loadConfig } from '@shop/runtime';

/** How the expiry job runs (`ExpireCouponsJob`). */
export interface CouponExpirySettings {
  /** Between two runs when the previous one found less than a full batch. */
  readonly intervalMs: number;
  /** Coupons expired per run (one transaction); a full batch runs again at once. */
  readonly batchSize: number;
}

export interface CouponConfig {
  readonly expiry: CouponExpirySettings;
}

export const DEFAULT_COUPON_EXPIRY_INTERVAL_MS = 60_000;
export const DEFAULT_COUPON_EXPIRY_BATCH_SIZE = 500;
/** Node fires a longer timer at once; the scheduler refuses such an interval at start, this says so earlier. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;
/** One UPDATE … LIMIT n statement per run: bounded so that a run stays short under its deadline. */
const MAX_BATCH_SIZE = 10_000;

const couponSpec = () => ({
  COUPON_EXPIRY_INTERVAL_MS: intBetween(1, MAX_INTERVAL_MS)({ default: DEFAULT_COUPON_EXPIRY_INTERVAL_MS, desc: 'ms between runs of the expiry job' }),
  COUPON_EXPIRY_BATCH_SIZE: intBetween(1, MAX_BATCH_SIZE)({ default: DEFAULT_COUPON_EXPIRY_BATCH_SIZE, desc: 'coupons expired per run' }),
});

/**
 * Reads the coupon context's own variables with the platform's config loader:
 * `COUPON_EXPIRY_INTERVAL_MS` (default 60000) and `COUPON_EXPIRY_BATCH_SIZE` (default 500).
 * Throws one `ConfigurationError` naming every bad variable.
 */
export function loadCouponConfig(env: NodeJS.ProcessEnv = process.env): CouponConfig {
  const config = loadConfig(couponSpec(), env);
  // Both are validated and defaulted; the validators' types do not say so.
  const intervalMs = config.COUPON_EXPIRY_INTERVAL_MS as number;
  const batchSize = config.COUPON_EXPIRY_BATCH_SIZE as number;
  return { expiry: { intervalMs, batchSize } };
}

/** The loaded `CouponConfig` in the coupon context's container (the expiry job reads its settings from it). */
export const COUPON_CONFIG = Symbol.for('shop.coupon.Config');
