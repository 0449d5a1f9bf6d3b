import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** One kind of counter: `points` per key within `durationSeconds` (a fixed window from the first point). */
export interface CounterSpec {
  /** Part of the key prefix, so that counters of different kinds never share a key. */
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
}

/** Where the counters live (rate-limiter-flexible limiters over one store). */
export interface RateLimitStore {
  counter(spec: CounterSpec): RateLimiterAbstract;
  /** Resolves once the store can count, or after a short wait: `false` then (the limiters fail open until it can). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** In this process: each gateway instance counts its own share. */
export class MemoryRateLimitStore implements RateLimitStore {
  counter({ name, points, durationSeconds }: CounterSpec): RateLimiterAbstract {
    return new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds });
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

export interface RedisStoreOptions {
  readonly url: string;
  /** Before every key, so that several deployments (or test runs) can share one Redis. */
  readonly keyPrefix: string;
  /** Told of connection errors (ioredis reports them as events, reconnecting on its own). */
  readonly onConnectionError: (error: Error) => void;
  /** Longest wait for Redis's answer to one command (default 250 ms). */
  readonly commandTimeoutMs?: number;
  /** Longest wait for a connection (default 1000 ms). */
  readonly connectTimeoutMs?: number;
}

/**
 * In Redis, shared by every gateway instance. A request must never wait on a dead or slow Redis:
 * commands are not queued while disconnected (they fail at once, as do the limiters when the
 * connection is not ready), and each has a short timeout; the limiters' callers then fail open.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly client: Redis;

  constructor(private readonly options: RedisStoreOptions) {
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: options.connectTimeoutMs ?? 1_000,
      // Keep trying in the background, at most every 2 s, for as long as the gateway runs.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    this.client.on('error', options.onConnectionError);
  }

  counter({ name, points, durationSeconds }: CounterSpec): RateLimiterAbstract {
    return new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: `${this.options.keyPrefix}:${name}`,
      points,
      duration: durationSeconds,
      rejectIfRedisNotReady: true,
    });
  }

  /**
   * Waits for the connection, at most the connect timeout, so that a starting gateway counts from
   * its first request; a Redis that is down does not keep the gateway from starting.
   */
  ready(): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), this.options.connectTimeoutMs ?? 1_000);
      this.client.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    // `quit` waits for Redis to answer; a dead one would never do so.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
