import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@shop/runtime';
import { loadPaymentConfig } from './payment.config.js';

const SECRET = 'a-webhook-secret-of-at-least-32-bytes!';
/** The least a start needs: the sandbox (the only provider) and the webhook secret. */
const MINIMAL = { PAYMENT_SANDBOX: 'true', PAYMENT_WEBHOOK_SECRET: SECRET };

function problemsOf(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    loadPaymentConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  return expect.unreachable('the configuration was accepted');
}

describe('loadPaymentConfig', () => {
  it('needs the sandbox and a secret: callbacks within 5 min, reconciliation every 30 s after 2 min, cancelled after 20 min, refunds retried every 5 s up to 10 min apart, provider calls bounded at 3 s, an order not heard of yet waited for 1 s, callbacks in-process', () => {
    expect(loadPaymentConfig(MINIMAL)).toEqual({
      sandbox: true,
      webhookSecret: SECRET,
      webhookToleranceMs: 300_000,
      reconcileIntervalMs: 30_000,
      reconcileAfterMs: 120_000,
      pendingTimeoutMs: 1_200_000,
      refundRetryIntervalMs: 5_000,
      refundBackoffMaxMs: 600_000,
      providerTimeoutMs: 3_000,
      orderArrivalWaitMs: 1_000,
      sandboxCallbackUrl: null,
    });
  });

  it('reads each duration in ms or with a unit, and the callback URL', () => {
    expect(
      loadPaymentConfig({
        ...MINIMAL,
        PAYMENT_WEBHOOK_TOLERANCE: '1h',
        PAYMENT_RECONCILE_INTERVAL: '250ms',
        PAYMENT_RECONCILE_AFTER: '0',
        PAYMENT_PENDING_TIMEOUT: '1s',
        PAYMENT_REFUND_RETRY_INTERVAL: '100',
        PAYMENT_REFUND_BACKOFF_MAX: '5s',
        PAYMENT_PROVIDER_TIMEOUT: '100ms',
        PAYMENT_ORDER_ARRIVAL_WAIT: '250ms',
        PAYMENT_SANDBOX_CALLBACK_URL: 'http://127.0.0.1:3000/api/v1/payments/callback',
      }),
    ).toEqual({
      sandbox: true,
      webhookSecret: SECRET,
      webhookToleranceMs: 3_600_000,
      reconcileIntervalMs: 250,
      reconcileAfterMs: 0,
      pendingTimeoutMs: 1_000,
      refundRetryIntervalMs: 100,
      refundBackoffMaxMs: 5_000,
      providerTimeoutMs: 100,
      orderArrivalWaitMs: 250,
      sandboxCallbackUrl: 'http://127.0.0.1:3000/api/v1/payments/callback',
    });
    expect(loadPaymentConfig({ ...MINIMAL, PAYMENT_SANDBOX: '1', PAYMENT_WEBHOOK_TOLERANCE: '10s' })).toMatchObject({
      sandbox: true,
      webhookToleranceMs: 10_000,
    });
    expect(loadPaymentConfig({ ...MINIMAL, PAYMENT_PROVIDER_TIMEOUT: '30s' }).providerTimeoutMs).toBe(30_000);
    // 0 turns the wait off (ORDER_NOT_FOUND at once); 10 s is the most.
    expect(loadPaymentConfig({ ...MINIMAL, PAYMENT_ORDER_ARRIVAL_WAIT: '0' }).orderArrivalWaitMs).toBe(0);
    expect(loadPaymentConfig({ ...MINIMAL, PAYMENT_ORDER_ARRIVAL_WAIT: '10s' }).orderArrivalWaitMs).toBe(10_000);
    expect(loadPaymentConfig({ ...MINIMAL, PAYMENT_SANDBOX_CALLBACK_URL: 'https://shop.example/api/v1/payments/callback' }).sandboxCallbackUrl).toBe(
      'https://shop.example/api/v1/payments/callback',
    );
  });

  it('reads an empty callback URL as unset (compose passes ${PAYMENT_SANDBOX_CALLBACK_URL:-})', () => {
    expect(loadPaymentConfig({ ...MINIMAL, PAYMENT_SANDBOX_CALLBACK_URL: '' }).sandboxCallbackUrl).toBeNull();
  });

  it('refuses to start without a provider, naming PAYMENT_SANDBOX (unset, or off)', () => {
    for (const sandbox of [undefined, 'false', '0']) {
      const error = problemsOf({ PAYMENT_WEBHOOK_SECRET: SECRET, PAYMENT_SANDBOX: sandbox });
      expect(error.problems.map((problem) => problem.variable)).toEqual(['PAYMENT_SANDBOX']);
      expect(error.message).toContain('no payment provider');
    }
  });

  it('refuses a missing or short webhook secret without echoing it', () => {
    expect(problemsOf({ PAYMENT_SANDBOX: 'true' }).message).toMatch(/PAYMENT_WEBHOOK_SECRET: missing; expected a secret of at least 32 bytes/);
    const short = 'short-but-secret-31-bytes-long!';
    expect(Buffer.byteLength(short)).toBe(31);
    const error = problemsOf({ PAYMENT_SANDBOX: 'true', PAYMENT_WEBHOOK_SECRET: short });
    expect(error.message).toMatch(/PAYMENT_WEBHOOK_SECRET: invalid; expected a secret of at least 32 bytes/);
    expect(error.message).not.toContain(short);
  });

  it('refuses a pending timeout shorter than the wait before the provider is asked', () => {
    const error = problemsOf({ ...MINIMAL, PAYMENT_RECONCILE_AFTER: '10m', PAYMENT_PENDING_TIMEOUT: '5m' });
    expect(error.problems.map((problem) => problem.variable)).toEqual(['PAYMENT_PENDING_TIMEOUT']);
    expect(loadPaymentConfig({ ...MINIMAL, PAYMENT_RECONCILE_AFTER: '5m', PAYMENT_PENDING_TIMEOUT: '5m' }).pendingTimeoutMs).toBe(300_000);
  });

  it('lists every problem at once, by variable, saying what it expects', () => {
    const error = problemsOf({
      PAYMENT_SANDBOX: 'yes',
      PAYMENT_WEBHOOK_TOLERANCE: '5 minutes',
      PAYMENT_REFUND_BACKOFF_MAX: '2d',
      PAYMENT_SANDBOX_CALLBACK_URL: 'ftp://example.com/callback',
    });
    expect(error.problems.map((problem) => problem.variable).sort()).toEqual([
      'PAYMENT_REFUND_BACKOFF_MAX',
      'PAYMENT_SANDBOX',
      'PAYMENT_SANDBOX_CALLBACK_URL',
      'PAYMENT_WEBHOOK_SECRET',
      'PAYMENT_WEBHOOK_TOLERANCE',
    ]);
    expect(error.message).toContain('PAYMENT_WEBHOOK_TOLERANCE: invalid; expected a duration from 10s to 1h');
    expect(error.message).toContain('PAYMENT_REFUND_BACKOFF_MAX: invalid; expected a duration from 5s to 24h');
    expect(error.message).toContain('PAYMENT_SANDBOX: invalid; expected true or false');
    expect(error.message).toContain('PAYMENT_SANDBOX_CALLBACK_URL: invalid; expected an absolute http(s) URL');
  });

  it.each([
    ['PAYMENT_WEBHOOK_TOLERANCE', '9s'],
    ['PAYMENT_WEBHOOK_TOLERANCE', '61m'],
    ['PAYMENT_WEBHOOK_TOLERANCE', '-5m'],
    ['PAYMENT_RECONCILE_INTERVAL', '49'],
    ['PAYMENT_RECONCILE_INTERVAL', '2147483648'],
    ['PAYMENT_RECONCILE_AFTER', '25h'],
    ['PAYMENT_RECONCILE_AFTER', '1.5m'],
    ['PAYMENT_PENDING_TIMEOUT', '999'],
    ['PAYMENT_PENDING_TIMEOUT', '169h'],
    ['PAYMENT_REFUND_RETRY_INTERVAL', '0'],
    ['PAYMENT_REFUND_BACKOFF_MAX', '4s'],
    ['PAYMENT_PROVIDER_TIMEOUT', '99ms'],
    ['PAYMENT_PROVIDER_TIMEOUT', '31s'],
    ['PAYMENT_PROVIDER_TIMEOUT', '0'],
    ['PAYMENT_ORDER_ARRIVAL_WAIT', '11s'],
    ['PAYMENT_ORDER_ARRIVAL_WAIT', '-1'],
    ['PAYMENT_ORDER_ARRIVAL_WAIT', '2 s'],
    ['PAYMENT_SANDBOX_CALLBACK_URL', '/api/v1/payments/callback'],
    ['PAYMENT_SANDBOX_CALLBACK_URL', 'javascript:alert(1)'],
    ['PAYMENT_SANDBOX', 'on'],
  ])('refuses %s=%j', (variable, value) => {
    expect(() => loadPaymentConfig({ ...MINIMAL, [variable]: value })).toThrow(new RegExp(`${variable}: invalid`));
  });
});
