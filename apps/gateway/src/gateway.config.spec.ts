import { ConfigurationError } from '@shop/runtime';
import { describe, expect, it } from 'vitest';
import { gatewayConfigFromEnv } from './gateway.config.js';

const SECRETS = { JWT_SECRET: 'j'.repeat(32), INTERNAL_AUTH_SECRET: 'i'.repeat(32) };

describe('gatewayConfigFromEnv', () => {
  it('defaults everything but the secrets', () => {
    expect(gatewayConfigFromEnv(SECRETS)).toEqual({
      host: '0.0.0.0',
      port: 3000,
      jwtSecret: SECRETS.JWT_SECRET,
      internalAuthSecret: SECRETS.INTERNAL_AUTH_SECRET,
      rateLimitPerMinute: 120,
      signedRateLimitPerMinute: 6000,
      serviceTimeoutMs: 5000,
      circuitBreakerFailures: 5,
      circuitBreakerResetMs: 10000,
      maxInFlightPerService: 32,
      maxQueuedPerService: 64,
      trustedProxyHops: 0,
      readinessCacheMs: 1000,
      loginMaxFailures: 5,
      loginLockMaxSeconds: 120,
      redisKeyPrefix: 'shop:gateway:rate-limit',
      serviceUrls: {
        user: 'http://127.0.0.1:3001',
        order: 'http://127.0.0.1:3002',
        coupon: 'http://127.0.0.1:3003',
        points: 'http://127.0.0.1:3004',
        payment: 'http://127.0.0.1:3005',
      },
    });
  });

  it('reads every variable', () => {
    const config = gatewayConfigFromEnv({
      ...SECRETS,
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '0',
      RATE_LIMIT_SIGNED_PER_MINUTE: '0',
      SERVICE_TIMEOUT_MS: '750',
      CIRCUIT_BREAKER_FAILURES: '2',
      CIRCUIT_BREAKER_RESET_MS: '3000',
      GATEWAY_MAX_IN_FLIGHT_PER_SERVICE: '8',
      GATEWAY_MAX_QUEUED_PER_SERVICE: '0',
      TRUSTED_PROXY_HOPS: '1',
      READINESS_CACHE_MS: '0',
      REDIS_URL: 'redis://redis:6379/2',
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCK_MAX_SECONDS: '60',
      USER_SERVICE_URL: 'http://user:3001',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      rateLimitPerMinute: 0,
      signedRateLimitPerMinute: 0,
      serviceTimeoutMs: 750,
      circuitBreakerFailures: 2,
      circuitBreakerResetMs: 3000,
      maxInFlightPerService: 8,
      maxQueuedPerService: 0,
      trustedProxyHops: 1,
      readinessCacheMs: 0,
      redisUrl: 'redis://redis:6379/2',
      loginMaxFailures: 3,
      loginLockMaxSeconds: 60,
      serviceUrls: { user: 'http://user:3001' },
    });
  });

  it('names every missing or bad variable at once, without echoing values', () => {
    let error: unknown;
    try {
      gatewayConfigFromEnv({
        JWT_SECRET: 'too-short-secret',
        PORT: '70000',
        RATE_LIMIT_PER_MINUTE: '-1',
        RATE_LIMIT_SIGNED_PER_MINUTE: '1e3',
        USER_SERVICE_URL: 'user:3001',
        SERVICE_TIMEOUT_MS: '0',
        READINESS_CACHE_MS: '1.5',
        REDIS_URL: 'localhost',
        LOGIN_MAX_FAILURES: '0',
        LOGIN_LOCK_MAX_SECONDS: 'soon',
        GATEWAY_MAX_IN_FLIGHT_PER_SERVICE: '0',
        GATEWAY_MAX_QUEUED_PER_SERVICE: '-1',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems.map((problem) => problem.variable).sort();
    expect(problems).toEqual([
      'GATEWAY_MAX_IN_FLIGHT_PER_SERVICE',
      'GATEWAY_MAX_QUEUED_PER_SERVICE',
      'INTERNAL_AUTH_SECRET',
      'JWT_SECRET',
      'LOGIN_LOCK_MAX_SECONDS',
      'LOGIN_MAX_FAILURES',
      'PORT',
      'RATE_LIMIT_PER_MINUTE',
      'RATE_LIMIT_SIGNED_PER_MINUTE',
      'READINESS_CACHE_MS',
      'REDIS_URL',
      'SERVICE_TIMEOUT_MS',
      'USER_SERVICE_URL',
    ]);
    expect((error as Error).message).not.toContain('too-short-secret');
    expect((error as Error).message).toContain('PORT: invalid; expected a TCP port (an integer from 0 to 65535; 0 takes any free one)');
  });

  it('reads RATE_LIMIT_KEY_PREFIX, so that deployments sharing a Redis keep their counters apart, and refuses one that needs quoting', () => {
    expect(gatewayConfigFromEnv({ ...SECRETS, RATE_LIMIT_KEY_PREFIX: 'shop-staging:gateway' }).redisKeyPrefix).toBe('shop-staging:gateway');
    for (const prefix of ['has space', 'x'.repeat(101), 'star*']) {
      expect(() => gatewayConfigFromEnv({ ...SECRETS, RATE_LIMIT_KEY_PREFIX: prefix })).toThrow(/RATE_LIMIT_KEY_PREFIX: invalid; expected a key prefix/);
    }
  });

  it('reads METRICS_TOKEN, and refuses one too short to resist guessing without echoing it', () => {
    expect(gatewayConfigFromEnv(SECRETS).metricsToken).toBeUndefined();
    expect(gatewayConfigFromEnv({ ...SECRETS, METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    expect(gatewayConfigFromEnv({ ...SECRETS, METRICS_TOKEN: 'a1b2c3d4e5f6a7b8c9d0' }).metricsToken).toBe('a1b2c3d4e5f6a7b8c9d0');
    for (const token of ['short-token', 'has a space in it, sixteen+']) {
      expect(() => gatewayConfigFromEnv({ ...SECRETS, METRICS_TOKEN: token })).toThrow(/METRICS_TOKEN: invalid; expected a token of at least 16 characters/);
      expect(() => gatewayConfigFromEnv({ ...SECRETS, METRICS_TOKEN: token })).not.toThrow(token);
    }
  });

  it("reads GATEWAY_TRUST_CLIENT_TRACE: off by default (a client's trace is linked to, not continued), and refuses what is not a boolean", () => {
    expect(gatewayConfigFromEnv(SECRETS).trustClientTrace).toBeUndefined();
    expect(gatewayConfigFromEnv({ ...SECRETS, GATEWAY_TRUST_CLIENT_TRACE: 'false' }).trustClientTrace).toBeUndefined();
    expect(gatewayConfigFromEnv({ ...SECRETS, GATEWAY_TRUST_CLIENT_TRACE: 'true' }).trustClientTrace).toBe(true);
    expect(() => gatewayConfigFromEnv({ ...SECRETS, GATEWAY_TRUST_CLIENT_TRACE: 'yes please' })).toThrow(/GATEWAY_TRUST_CLIENT_TRACE: invalid/);
  });

  it('reads API_DOCS: public by default (the reference page and the events document served), off to mount neither, and refuses anything else', () => {
    expect(gatewayConfigFromEnv(SECRETS).apiDocs).toBeUndefined();
    expect(gatewayConfigFromEnv({ ...SECRETS, API_DOCS: 'public' }).apiDocs).toBeUndefined();
    expect(gatewayConfigFromEnv({ ...SECRETS, API_DOCS: 'off' }).apiDocs).toBe('off');
    expect(() => gatewayConfigFromEnv({ ...SECRETS, API_DOCS: 'private' })).toThrow(/API_DOCS: invalid/);
  });
});
