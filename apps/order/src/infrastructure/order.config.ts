import { bool, duration, intBetween, jobIntervalMs, loadConfig } from '@shop/runtime';

export interface OrderConfig {
  /** How long a PENDING order waits for its coupon and points reservations before it is cancelled (RESERVATION_TIMEOUT). */
  readonly reservationTimeoutMs: number;
  /** How long an AWAITING_PAYMENT order waits for its payment before it is cancelled (PAYMENT_TIMEOUT). */
  readonly paymentTimeoutMs: number;
  /** Between two runs of the timeout job when the previous one found less than a full batch. */
  readonly timeoutScanIntervalMs: number;
  /** Overdue orders cancelled per run of the timeout job; a full batch runs again at once. */
  readonly timeoutBatchSize: number;
  /** Seed the demo catalog on the service's first start (the embedded platform turns it on unless told otherwise). */
  readonly demoCatalog: boolean;
}

export const DEFAULT_ORDER_RESERVATION_TIMEOUT_MS = 30_000;
export const DEFAULT_ORDER_PAYMENT_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_ORDER_TIMEOUT_SCAN_INTERVAL_MS = 1_000;
export const DEFAULT_ORDER_TIMEOUT_BATCH_SIZE = 100;
/**
 * An hour: the coupon and points services answer in milliseconds when up; an order held PENDING longer
 * keeps its customer waiting and a coupon locked for nothing.
 */
const MAX_RESERVATION_TIMEOUT_MS = 3_600_000;
/**
 * 12 hours. The points service reports a reservation still RESERVED after `POINTS_STUCK_RESERVATION_MS`
 * (a day by default) as stuck: an order holds its points for at most its reservation timeout (≤ 1 h) plus
 * its payment timeout, so with this cap an unpaid order is cancelled, its points released, at least 11 h
 * before that report (room for a slow scan or an outage). A lower POINTS_STUCK_RESERVATION_MS must stay
 * above the two order timeouts together.
 */
const MAX_PAYMENT_TIMEOUT_MS = 12 * 3_600_000;
/** Each order is cancelled in a transaction of its own: bounded so that a run stays short under its deadline. */
const MAX_BATCH_SIZE = 10_000;

const orderSpec = () => ({
  ORDER_RESERVATION_TIMEOUT: duration(
    1_000,
    MAX_RESERVATION_TIMEOUT_MS,
  )({ default: DEFAULT_ORDER_RESERVATION_TIMEOUT_MS, desc: 'how long a PENDING order waits for its reservations' }),
  ORDER_PAYMENT_TIMEOUT: duration(
    1_000,
    MAX_PAYMENT_TIMEOUT_MS,
  )({ default: DEFAULT_ORDER_PAYMENT_TIMEOUT_MS, desc: 'how long an order waits for its payment' }),
  ORDER_TIMEOUT_SCAN_INTERVAL_MS: jobIntervalMs({
    default: DEFAULT_ORDER_TIMEOUT_SCAN_INTERVAL_MS,
    desc: 'ms between runs of the job cancelling overdue orders',
  }),
  ORDER_TIMEOUT_BATCH_SIZE: intBetween(1, MAX_BATCH_SIZE)({ default: DEFAULT_ORDER_TIMEOUT_BATCH_SIZE, desc: 'overdue orders cancelled per run' }),
  ORDER_DEMO_CATALOG: bool({ default: false, desc: 'seed the demo catalog on the first start' }),
});

/**
 * Reads the order context's own variables with the platform's config loader: `ORDER_RESERVATION_TIMEOUT`
 * (1 s to 1 h, default 30 s) and `ORDER_PAYMENT_TIMEOUT` (1 s to 12 h, default 15 min), each an integer
 * of ms or `<n>ms|s|m|h`; `ORDER_TIMEOUT_SCAN_INTERVAL_MS` (50 to 2^31 − 1, default 1000), `ORDER_TIMEOUT_BATCH_SIZE`
 * (1–10,000, default 100) and `ORDER_DEMO_CATALOG` (default false). Throws one `ConfigurationError`
 * naming every bad variable.
 */
export function loadOrderConfig(env: NodeJS.ProcessEnv = process.env): OrderConfig {
  const config = loadConfig(orderSpec(), env);
  // All five are validated and defaulted; the validators' types do not say so.
  return {
    reservationTimeoutMs: config.ORDER_RESERVATION_TIMEOUT as number,
    paymentTimeoutMs: config.ORDER_PAYMENT_TIMEOUT as number,
    timeoutScanIntervalMs: config.ORDER_TIMEOUT_SCAN_INTERVAL_MS as number,
    timeoutBatchSize: config.ORDER_TIMEOUT_BATCH_SIZE as number,
    demoCatalog: config.ORDER_DEMO_CATALOG as boolean,
  };
}

/** The loaded `OrderConfig` in the order context's container (the timeout job and the demo catalog's seeder read it). */
export const ORDER_CONFIG = Symbol.for('shop.order.Config');
