import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Logger } from '@shop/observability';
import type { RateLimitTelemetry } from '../../application/ports/gateway-telemetry.js';
import type { LoginThrottle } from '../../application/ports/login-throttle.js';
import type { RateLimiter } from '../../application/ports/rate-limiter.js';
import { CountingLoginThrottle, type LoginThrottlePolicy } from './counting-login-throttle.js';
import { CountingRateLimiter, UnlimitedRateLimiter, WINDOW_SECONDS, checkedPerMinute } from './memory-rate-limiter.js';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit-store.js';
import { StoreFailureReporter } from './store-failure-reporter.js';

export interface RateLimitingOptions extends LoginThrottlePolicy {
  /** Requests per minute per user or address; 0: no limit. */
  readonly perMinute: number;
  /** Requests per minute per address to the routes whose body its sender signs (provider callbacks), counted apart; 0: no limit. */
  readonly signedPerMinute: number;
  /** Counters in this Redis, shared by every gateway instance; in memory without it. */
  readonly redisUrl?: string;
  readonly redisKeyPrefix: string;
}

/** The gateway's counters, over one store; `close()` when the gateway stops. */
export interface RateLimiting {
  readonly rateLimiter: RateLimiter;
  /** For `signedBody` routes only: a provider calling back from one address is not a client among others. */
  readonly signedRateLimiter: RateLimiter;
  readonly loginThrottle: LoginThrottle;
  readonly store: RateLimitStore;
  close(): Promise<void>;
}

export function rateLimitingFor(options: RateLimitingOptions, logger: Logger, telemetry: RateLimitTelemetry): RateLimiting {
  const reporter = new StoreFailureReporter(logger, telemetry);
  const store: RateLimitStore = options.redisUrl
    ? new RedisRateLimitStore({ url: options.redisUrl, keyPrefix: options.redisKeyPrefix, onConnectionError: (error) => reporter.connectionFailed(error) })
    : new MemoryRateLimitStore();
  const limiter = (name: 'requests' | 'signed-requests', perMinute: number): RateLimiter =>
    perMinute > 0
      ? new CountingRateLimiter(store.counter({ name, points: checkedPerMinute(perMinute), durationSeconds: WINDOW_SECONDS }), (error) =>
          reporter.failed(name, error),
        )
      : new UnlimitedRateLimiter();
  const loginThrottle = new CountingLoginThrottle(store, options, (error) => reporter.failed('logins', error));
  return {
    rateLimiter: limiter('requests', options.perMinute),
    signedRateLimiter: limiter('signed-requests', options.signedPerMinute),
    loginThrottle,
    store,
    close: () => store.close(),
  };
}

/** Connects to the store as the gateway starts, and closes the connection when it stops (`app.close()`). */
export class RateLimitingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly rateLimiting: RateLimiting) {}

  async onModuleInit(): Promise<void> {
    await this.rateLimiting.store.ready();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rateLimiting.close();
  }
}
