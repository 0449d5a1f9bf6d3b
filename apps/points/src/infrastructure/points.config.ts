import { intBetween, loadConfig } from '@shop/runtime';

/** How the reconciliation job runs (`ReconcilePointsJob`). */
export interface PointsReconciliationSettings {
  /** Between two runs. */
  readonly intervalMs: number;
  /** Accounts compared with their ledger per query (one GROUP BY over that many users' entries). */
  readonly pageSize: number;
  /** A reservation RESERVED for longer is reported stuck: points frozen for an order no saga step came for. */
  readonly stuckReservationMs: number;
}

export interface PointsConfig {
  /** Points granted on `user.registered.v1`; 0 turns the bonus off. */
  readonly signupBonus: number;
  readonly reconciliation: PointsReconciliationSettings;
}

export const DEFAULT_POINTS_SIGNUP_BONUS = 100;
export const DEFAULT_POINTS_RECONCILE_INTERVAL_MS = 3_600_000;
export const DEFAULT_POINTS_RECONCILE_PAGE_SIZE = 1_000;
/** A day: far beyond the order context's payment timeout (15 min), after which an unpaid order is cancelled. */
export const DEFAULT_POINTS_STUCK_RESERVATION_MS = 86_400_000;
/** A bonus is a promotion, not a balance: a typo of a few zeros should fail the start, not go out to every new user. */
const MAX_SIGNUP_BONUS = 1_000_000;
/** Node fires a longer timer at once; the scheduler refuses such an interval at start, this says so earlier. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;
/** One query per page: bounded so that a run stays short under the job's deadline. */
const MAX_PAGE_SIZE = 10_000;
/** A year: anything longer would never report a reservation that is stuck. */
const MAX_STUCK_RESERVATION_MS = 365 * 86_400_000;

const pointsSpec = () => ({
  POINTS_SIGNUP_BONUS: intBetween(0, MAX_SIGNUP_BONUS)({ default: DEFAULT_POINTS_SIGNUP_BONUS, desc: 'points granted on sign-up (0: none)' }),
  POINTS_RECONCILE_INTERVAL_MS: intBetween(
    1,
    MAX_INTERVAL_MS,
  )({ default: DEFAULT_POINTS_RECONCILE_INTERVAL_MS, desc: 'ms between runs of the reconciliation job' }),
  POINTS_RECONCILE_PAGE_SIZE: intBetween(
    1,
    MAX_PAGE_SIZE,
  )({ default: DEFAULT_POINTS_RECONCILE_PAGE_SIZE, desc: 'accounts checked per query by the reconciliation' }),
  POINTS_STUCK_RESERVATION_MS: intBetween(
    1,
    MAX_STUCK_RESERVATION_MS,
  )({ default: DEFAULT_POINTS_STUCK_RESERVATION_MS, desc: 'ms after which a reservation still RESERVED is reported stuck by the reconciliation' }),
});

/**
 * Reads the points context's own variables with the platform's config loader: `POINTS_SIGNUP_BONUS`
 * (0–1,000,000, default 100), `POINTS_RECONCILE_INTERVAL_MS` (default 3,600,000) and
 * `POINTS_RECONCILE_PAGE_SIZE` (1–10,000, default 1,000) and `POINTS_STUCK_RESERVATION_MS` (1 ms to a year,
 * default a day). Throws one `ConfigurationError` naming every bad variable.
 */
export function loadPointsConfig(env: NodeJS.ProcessEnv = process.env): PointsConfig {
  const config = loadConfig(pointsSpec(), env);
  // All four are validated and defaulted; the validators' types do not say so.
  return {
    signupBonus: config.POINTS_SIGNUP_BONUS as number,
    reconciliation: {
      intervalMs: config.POINTS_RECONCILE_INTERVAL_MS as number,
      pageSize: config.POINTS_RECONCILE_PAGE_SIZE as number,
      stuckReservationMs: config.POINTS_STUCK_RESERVATION_MS as number,
    },
  };
}

/** The loaded `PointsConfig` in the points context's container (the job reads its settings from it). */
export const POINTS_CONFIG = Symbol.for('shop.points.Config');
