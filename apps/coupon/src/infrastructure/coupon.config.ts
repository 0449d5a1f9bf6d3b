import { ConfigurationError, loadConfig, positiveInt, type ConfigProblem } from '@shop/runtime';

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
  COUPON_EXPIRY_INTERVAL_MS: positiveInt({
    default: DEFAULT_COUPON_EXPIRY_INTERVAL_MS,
    desc: `how often AVAILABLE coupons past their end are expired (ms, at most ${MAX_INTERVAL_MS})`,
  }),
  COUPON_EXPIRY_BATCH_SIZE: positiveInt({ default: DEFAULT_COUPON_EXPIRY_BATCH_SIZE, desc: `coupons expired per run (1 to ${MAX_BATCH_SIZE})` }),
});

/**
 * Reads the coupon context's own variables with the platform's config loader:
 * `COUPON_EXPIRY_INTERVAL_MS` (default 60000) and `COUPON_EXPIRY_BATCH_SIZE` (default 500).
 * Throws one `ConfigurationError` naming every bad variable.
 */
export function loadCouponConfig(env: NodeJS.ProcessEnv = process.env): CouponConfig {
  const problems: ConfigProblem[] = [];
  let config: ReturnType<typeof loadConfig<ReturnType<typeof couponSpec>>> | undefined;
  try {
    config = loadConfig(couponSpec(), env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  // The upper bounds, also for a variable whose neighbour failed above, so that every problem is told at once.
  const upTo = { COUPON_EXPIRY_INTERVAL_MS: MAX_INTERVAL_MS, COUPON_EXPIRY_BATCH_SIZE: MAX_BATCH_SIZE };
  for (const [variable, max] of Object.entries(upTo)) {
    const raw = env[variable];
    if (raw !== undefined && /^\d+$/.test(raw) && Number(raw) > max && !problems.some((problem) => problem.variable === variable))
      problems.push({ variable, problem: `invalid; expected at most ${max}` });
  }
  if (problems.length > 0 || !config) throw new ConfigurationError(problems);
  // Both are validated and defaulted; the validators' types do not say so.
  const intervalMs = config.COUPON_EXPIRY_INTERVAL_MS as number;
  const batchSize = config.COUPON_EXPIRY_BATCH_SIZE as number;
  return { expiry: { intervalMs, batchSize } };
}

/** The loaded `CouponConfig` in the coupon context's container (the expiry job reads its settings from it). */
export const COUPON_CONFIG = Symbol.for('shop.coupon.Config');
