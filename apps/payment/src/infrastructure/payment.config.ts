import { ConfigurationError, bool, duration, httpUrl, jobInterval, loadConfig, secret, type ConfigProblem } from '@shop/runtime';
import type { PaymentRules } from '../application/payment.di-tokens.js';

export interface PaymentConfig {
  /** The built-in sandbox provider (`PAYMENT_SANDBOX`): on, it is the provider and `POST /payments/{id}/simulate` works. */
  readonly sandbox: boolean;
  /** The provider's callbacks are signed with it (HMAC-SHA256). Never logged. */
  readonly webhookSecret: string;
  /** How far a callback's signed time may be from now, either way (the replay window). */
  readonly webhookToleranceMs: number;
  /** Between two runs of the reconciliation job. */
  readonly reconcileIntervalMs: number;
  /** A payment PENDING for longer is asked about at the provider. */
  readonly reconcileAfterMs: number;
  /** A payment PENDING for longer, and still PENDING at the provider, is cancelled there (FAILED, EXPIRED). */
  readonly pendingTimeoutMs: number;
  /** Between two runs of the refund retry job. */
  readonly refundRetryIntervalMs: number;
  /** The longest wait between two attempts of a refund (the backoff doubles from 5 s up to it). */
  readonly refundBackoffMaxMs: number;
  /**
   * How long one provider call may take (create, query, cancel, refund) before it counts as failed: a create
   * past it makes the attempt FAILED (`PROVIDER_ERROR`), a query, cancel or refund past it is tried again later.
   */
  readonly providerTimeoutMs: number;
  /**
   * How long POST /payments waits for an order it has not heard of yet (its `order.awaiting-payment.v1` on the
   * way) before it answers ORDER_NOT_FOUND; 0: not at all.
   */
  readonly orderArrivalWaitMs: number;
  /** Where the sandbox POSTs its callbacks (the gateway's `/api/v1/payments/callback`); null: handed in-process to the service's own use case. */
  readonly sandboxCallbackUrl: string | null;
}

const DEFAULT_PAYMENT_WEBHOOK_TOLERANCE_MS = 5 * 60_000;
const DEFAULT_PAYMENT_RECONCILE_INTERVAL_MS = 30_000;
const DEFAULT_PAYMENT_RECONCILE_AFTER_MS = 2 * 60_000;
const DEFAULT_PAYMENT_PENDING_TIMEOUT_MS = 20 * 60_000;
const DEFAULT_PAYMENT_REFUND_RETRY_INTERVAL_MS = 5_000;
const DEFAULT_PAYMENT_REFUND_BACKOFF_MAX_MS = 10 * 60_000;
/** Well below the gateway's `SERVICE_TIMEOUT_MS` (5 s): POST /payments answers its FAILED attempt before the gateway gives up. */
const DEFAULT_PAYMENT_PROVIDER_TIMEOUT_MS = 3_000;
/**
 * The order's event usually follows the order's answer by milliseconds; a broker that lags takes longer.
 * With the provider's 3 s, 4 s at most: within the gateway's 5 s service timeout.
 */
const DEFAULT_PAYMENT_ORDER_ARRIVAL_WAIT_MS = 1_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The first refund retry waits 5 s (`refundBackoffMs`): a cap below it would mean no backoff at all. */
const MIN_REFUND_BACKOFF_MAX_MS = 5_000;
/** No provider answers a call faster; a shorter bound would fail every payment. */
const MIN_PROVIDER_TIMEOUT_MS = 100;
/**
 * POST /payments waits for the provider, so a customer waits that long at most. Keep it below the gateway's
 * `SERVICE_TIMEOUT_MS` (which the payment service cannot read): past that the gateway answers 504 first.
 */
const MAX_PROVIDER_TIMEOUT_MS = 30_000;
/**
 * A customer waits that long for an order the service has not heard of before the 404 (and that long plus
 * the provider call when it arrives at the last moment): well below the gateway's `SERVICE_TIMEOUT_MS`.
 */
const MAX_ORDER_ARRIVAL_WAIT_MS = 10_000;

const paymentSpec = () => ({
  PAYMENT_SANDBOX: bool({ default: false, desc: 'the built-in sandbox provider (the only provider so far)' }),
  // `secret` asks for 32 bytes and never echoes the value.
  PAYMENT_WEBHOOK_SECRET: secret({ desc: 'signs the provider callbacks (HMAC-SHA256); e.g. `openssl rand -base64 48`' }),
  PAYMENT_WEBHOOK_TOLERANCE: duration(10_000, HOUR_MS)({ default: DEFAULT_PAYMENT_WEBHOOK_TOLERANCE_MS, desc: 'how old (or early) a signed callback may be' }),
  // jobInterval: 50 ms (below, the jobs would hammer the database) to 2^31 − 1 ms (Node's longest timer).
  PAYMENT_RECONCILE_INTERVAL: jobInterval({ default: DEFAULT_PAYMENT_RECONCILE_INTERVAL_MS, desc: 'between runs of the reconciliation of PENDING payments' }),
  PAYMENT_RECONCILE_AFTER: duration(
    0,
    DAY_MS,
  )({ default: DEFAULT_PAYMENT_RECONCILE_AFTER_MS, desc: 'how long a payment is PENDING before the provider is asked' }),
  PAYMENT_PENDING_TIMEOUT: duration(
    1_000,
    7 * DAY_MS,
  )({ default: DEFAULT_PAYMENT_PENDING_TIMEOUT_MS, desc: 'how long a payment is PENDING before it is cancelled at the provider' }),
  PAYMENT_REFUND_RETRY_INTERVAL: jobInterval({ default: DEFAULT_PAYMENT_REFUND_RETRY_INTERVAL_MS, desc: 'between runs of the refund retries' }),
  PAYMENT_REFUND_BACKOFF_MAX: duration(
    MIN_REFUND_BACKOFF_MAX_MS,
    DAY_MS,
  )({ default: DEFAULT_PAYMENT_REFUND_BACKOFF_MAX_MS, desc: 'the longest wait between two attempts of a refund' }),
  PAYMENT_PROVIDER_TIMEOUT: duration(
    MIN_PROVIDER_TIMEOUT_MS,
    MAX_PROVIDER_TIMEOUT_MS,
  )({ default: DEFAULT_PAYMENT_PROVIDER_TIMEOUT_MS, desc: 'how long one provider call may take before it counts as failed' }),
  PAYMENT_ORDER_ARRIVAL_WAIT: duration(
    0,
    MAX_ORDER_ARRIVAL_WAIT_MS,
  )({ default: DEFAULT_PAYMENT_ORDER_ARRIVAL_WAIT_MS, desc: 'how long POST /payments waits for an order not heard of yet before ORDER_NOT_FOUND' }),
  // Empty counts as unset: docker-compose passes `${PAYMENT_SANDBOX_CALLBACK_URL:-}`.
  PAYMENT_SANDBOX_CALLBACK_URL: httpUrl({ default: undefined, desc: 'where the sandbox POSTs its signed callbacks; unset: in-process' }),
});

/**
 * Reads the payment context's variables with the platform's config loader: `PAYMENT_SANDBOX` (default
 * false; the embedded platform turns it on), `PAYMENT_WEBHOOK_SECRET` (required, ≥ 32 bytes),
 * `PAYMENT_WEBHOOK_TOLERANCE` (10 s to 1 h, default 5 min), `PAYMENT_RECONCILE_INTERVAL` (default 30 s),
 * `PAYMENT_RECONCILE_AFTER` (0 to a day, default 2 min), `PAYMENT_PENDING_TIMEOUT` (1 s to 7 days, default
 * 20 min, not below PAYMENT_RECONCILE_AFTER), `PAYMENT_REFUND_RETRY_INTERVAL` (default 5 s),
 * `PAYMENT_REFUND_BACKOFF_MAX` (5 s to a day, default 10 min), `PAYMENT_PROVIDER_TIMEOUT` (100 ms to 30 s,
 * default 3 s), `PAYMENT_ORDER_ARRIVAL_WAIT` (0 to 10 s, default 1 s), each a duration in ms or `<n>ms|s|m|h`;
 * `PAYMENT_SANDBOX_CALLBACK_URL` (an http(s) URL, optional). With the sandbox off there is no provider
 * at all: refused, naming PAYMENT_SANDBOX. Throws one `ConfigurationError` naming every bad variable,
 * never echoing a value.
 */
export function loadPaymentConfig(env: NodeJS.ProcessEnv = process.env): PaymentConfig {
  // Throws for any bad variable first: the checks across variables below read validated values only.
  const config = loadConfig(paymentSpec(), env);
  const problems: ConfigProblem[] = [];
  if (!(config.PAYMENT_SANDBOX as boolean))
    problems.push({
      variable: 'PAYMENT_SANDBOX',
      problem:
        'no payment provider: the built-in sandbox is the only one so far; set PAYMENT_SANDBOX=true (apps/payment/README.md says how to add a real provider)',
    });
  if ((config.PAYMENT_PENDING_TIMEOUT as number) < (config.PAYMENT_RECONCILE_AFTER as number))
    problems.push({
      variable: 'PAYMENT_PENDING_TIMEOUT',
      problem: 'invalid; expected at least PAYMENT_RECONCILE_AFTER (a payment is asked about before it is cancelled)',
    });
  if (problems.length > 0) throw new ConfigurationError(problems);
  // All are validated and required or defaulted; the validators' types do not say so.
  return {
    sandbox: config.PAYMENT_SANDBOX as boolean,
    webhookSecret: config.PAYMENT_WEBHOOK_SECRET as string,
    webhookToleranceMs: config.PAYMENT_WEBHOOK_TOLERANCE as number,
    reconcileIntervalMs: config.PAYMENT_RECONCILE_INTERVAL as number,
    reconcileAfterMs: config.PAYMENT_RECONCILE_AFTER as number,
    pendingTimeoutMs: config.PAYMENT_PENDING_TIMEOUT as number,
    refundRetryIntervalMs: config.PAYMENT_REFUND_RETRY_INTERVAL as number,
    refundBackoffMaxMs: config.PAYMENT_REFUND_BACKOFF_MAX as number,
    providerTimeoutMs: config.PAYMENT_PROVIDER_TIMEOUT as number,
    orderArrivalWaitMs: config.PAYMENT_ORDER_ARRIVAL_WAIT as number,
    sandboxCallbackUrl: (config.PAYMENT_SANDBOX_CALLBACK_URL as string | undefined) ?? null,
  };
}

/** The rules the use cases apply, from the loaded configuration (the composition root and the tests' wiring). */
export function paymentRulesOf(config: PaymentConfig): PaymentRules {
  return {
    webhookSecret: config.webhookSecret,
    webhookToleranceMs: config.webhookToleranceMs,
    reconcileAfterMs: config.reconcileAfterMs,
    pendingTimeoutMs: config.pendingTimeoutMs,
    refundBackoffMaxMs: config.refundBackoffMaxMs,
    providerTimeoutMs: config.providerTimeoutMs,
    orderArrivalWaitMs: config.orderArrivalWaitMs,
    sandbox: config.sandbox,
  };
}

/** The loaded `PaymentConfig` in the payment context's container (the jobs and the sandbox read it). */
export const PAYMENT_CONFIG = Symbol.for('shop.payment.Config');
