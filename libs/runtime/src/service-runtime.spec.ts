import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './config/load-config.js';
import { CONTEXTS } from '@shop/contracts';
import { boundAddressOf, messagingOptionsOf, messagingSettingsFromEnv, serviceRuntimeFromEnv, withTracingShutdown } from './service-runtime.js';

const SECRET = 's'.repeat(32);
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432';

function problemsOf(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected serviceRuntimeFromEnv to refuse the configuration');
}

describe('serviceRuntimeFromEnv', () => {
  it('listens on loopback unless HOST says otherwise', () => {
    expect(serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET }).host).toBe('127.0.0.1');
    expect(serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it("takes each context's default port from CONTEXTS and refuses a name that is not a context", () => {
    for (const context of CONTEXTS) expect(serviceRuntimeFromEnv(context.name, { INTERNAL_AUTH_SECRET: SECRET }).port).toBe(context.port);
    expect(() => serviceRuntimeFromEnv('catalogue', { INTERNAL_AUTH_SECRET: SECRET })).toThrow(/'catalogue' is not a context of CONTEXTS/);
  });

  it('embedded without either URL; every messaging setting at its default', () => {
    const runtime = serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, SHOP_DATA_DIR: '/tmp/shop' });
    expect(runtime.database).toEqual({ sqliteDir: '/tmp/shop' });
    expect(runtime.messaging).toEqual({
      handlerTimeoutMs: 30_000,
      handlerConcurrency: 8,
      outboxMaxAttempts: 20,
      maxPayloadBytes: 512 * 1024,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('distributed with both; the database gets the default pool and deadlines', () => {
    const runtime = serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, AMQP_URL, POSTGRES_URL });
    expect(runtime.database).toEqual({
      postgresUrl: POSTGRES_URL,
      databaseUrl: undefined,
      poolSize: 16,
      timeouts: {
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 30_000,
        lockTimeoutMs: 10_000,
        idleInTransactionTimeoutMs: 60_000,
        keepAliveInitialDelayMs: 10_000,
        migrationTimeoutMs: 600_000,
      },
    });
  });

  it('reads every setting from its variable', () => {
    const runtime = serviceRuntimeFromEnv('user', {
      INTERNAL_AUTH_SECRET: SECRET,
      AMQP_URL,
      USER_DATABASE_URL: `${POSTGRES_URL}/shop_user`,
      HANDLER_TIMEOUT_MS: '5000',
      HANDLER_CONCURRENCY: '2',
      OUTBOX_MAX_ATTEMPTS: '7',
      OUTBOX_MAX_PAYLOAD_BYTES: '1024',
      SHUTDOWN_TIMEOUT_MS: '2500',
      DB_POOL_SIZE: '12',
      DB_CONNECT_TIMEOUT_MS: '1000',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      DB_LOCK_TIMEOUT_MS: '300',
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000',
      DB_QUERY_TIMEOUT_MS: '2500',
      DB_KEEPALIVE_DELAY_MS: '6000',
      DB_MIGRATION_TIMEOUT_MS: '70000',
    });
    expect(runtime.database).toEqual({
      postgresUrl: undefined,
      databaseUrl: `${POSTGRES_URL}/shop_user`,
      poolSize: 12,
      timeouts: {
        connectTimeoutMs: 1_000,
        statementTimeoutMs: 2_000,
        lockTimeoutMs: 300,
        idleInTransactionTimeoutMs: 4_000,
        queryTimeoutMs: 2_500,
        keepAliveInitialDelayMs: 6_000,
        migrationTimeoutMs: 70_000,
      },
    });
    expect(messagingOptionsOf(runtime)).toEqual({
      handlerTimeoutMs: 5_000,
      handlerConcurrency: 2,
      maxPayloadBytes: 1024,
      shutdownTimeoutMs: 2_500,
      relay: { maxAttempts: 7 },
    });
  });

  it('the embedded platform reads the same messaging variables alone, and refuses a bad one', () => {
    expect(messagingSettingsFromEnv({ HANDLER_TIMEOUT_MS: '1500', SHUTDOWN_TIMEOUT_MS: '2500' })).toEqual({
      ...serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET }).messaging,
      handlerTimeoutMs: 1500,
      shutdownTimeoutMs: 2500,
    });
    expect(() => messagingSettingsFromEnv({ OUTBOX_MAX_ATTEMPTS: 'many' })).toThrow(/OUTBOX_MAX_ATTEMPTS/);
  });

  it('the messaging module options of a runtime without settings leave every default to the library', () => {
    const runtime = serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET });
    expect(messagingOptionsOf({ ...runtime, messaging: undefined })).toEqual({
      handlerTimeoutMs: undefined,
      handlerConcurrency: undefined,
      maxPayloadBytes: undefined,
      shutdownTimeoutMs: undefined,
      relay: undefined,
    });
  });

  it('refuses POSTGRES_URL without AMQP_URL, naming both', () => {
    const error = problemsOf({ POSTGRES_URL });
    expect(error.problems).toEqual([
      {
        variable: 'AMQP_URL',
        problem:
          'missing; POSTGRES_URL is set, and the distributed mode needs AMQP_URL and POSTGRES_URL (or USER_DATABASE_URL) together: set both, or neither for the embedded mode',
      },
    ]);
    expect(error.message).toMatch(/^Invalid configuration \(1 variable\):\n {2}- AMQP_URL: missing; POSTGRES_URL is set/);
  });

  it('refuses <SERVICE>_DATABASE_URL without AMQP_URL', () => {
    expect(problemsOf({ USER_DATABASE_URL: `${POSTGRES_URL}/shop_user` }).problems).toEqual([
      { variable: 'AMQP_URL', problem: expect.stringMatching(/^missing; USER_DATABASE_URL is set, and the distributed mode needs AMQP_URL and POSTGRES_URL/) },
    ]);
  });

  it('refuses AMQP_URL without a database, naming both', () => {
    expect(problemsOf({ AMQP_URL }).problems).toEqual([
      {
        variable: 'POSTGRES_URL',
        problem:
          'missing; AMQP_URL is set, and the distributed mode needs AMQP_URL and POSTGRES_URL (or USER_DATABASE_URL) together: set both, or neither for the embedded mode',
      },
    ]);
  });

  it('refuses a pool too small for the relay, the handlers and requests together', () => {
    expect(problemsOf({ AMQP_URL, POSTGRES_URL, DB_POOL_SIZE: '12' }).problems).toEqual([
      {
        variable: 'DB_POOL_SIZE',
        problem:
          'too small: 12 connections cannot serve 4 relay workers + 8 handlers (HANDLER_CONCURRENCY) + 4 for requests and housekeeping; set DB_POOL_SIZE to at least 16 or lower HANDLER_CONCURRENCY',
      },
    ]);
    // Fewer handlers make room.
    expect(
      serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, AMQP_URL, POSTGRES_URL, DB_POOL_SIZE: '12', HANDLER_CONCURRENCY: '4' }).database.poolSize,
    ).toBe(12);
    // More handlers need more connections.
    expect(problemsOf({ AMQP_URL, POSTGRES_URL, HANDLER_CONCURRENCY: '9' }).problems.map((p) => p.variable)).toEqual(['DB_POOL_SIZE']);
  });

  it('a pool size does not matter in the embedded mode (SQLite has no pool)', () => {
    expect(serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, DB_POOL_SIZE: '1' }).database).toEqual({ sqliteDir: './data' });
  });

  it('lists a broken mix together with every other bad variable', () => {
    const error = problemsOf({ INTERNAL_AUTH_SECRET: 'short', POSTGRES_URL, HANDLER_TIMEOUT_MS: '30s', DB_STATEMENT_TIMEOUT_MS: '0' });
    expect(error.problems.map((p) => p.variable)).toEqual(['INTERNAL_AUTH_SECRET', 'HANDLER_TIMEOUT_MS', 'DB_STATEMENT_TIMEOUT_MS', 'AMQP_URL']);
  });

  it('reads METRICS_TOKEN (unset: metrics are not served), and refuses one under 16 characters without echoing it', () => {
    expect(serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET }).metricsToken).toBeUndefined();
    expect(serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    expect(serviceRuntimeFromEnv('user', { INTERNAL_AUTH_SECRET: SECRET, METRICS_TOKEN: 'a1b2c3d4e5f6a7b8c9d0' }).metricsToken).toBe('a1b2c3d4e5f6a7b8c9d0');
    const error = problemsOf({ METRICS_TOKEN: 'guessable' });
    expect(error.problems.map((p) => p.variable)).toEqual(['METRICS_TOKEN']);
    expect(error.message).not.toContain('guessable');
  });
});

describe('boundAddressOf', () => {
  const listening = async (host: string, body: (server: Server) => void): Promise<void> => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    try {
      body(server);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  };

  it('tells the address really bound: the wildcard as the wildcard, loopback as loopback', async () => {
    await listening('0.0.0.0', (server) => expect(boundAddressOf(server)).toMatch(/^0\.0\.0\.0:\d+$/));
    await listening('127.0.0.1', (server) => expect(boundAddressOf(server)).toMatch(/^127\.0\.0\.1:\d+$/));
    await listening('::1', (server) => expect(boundAddressOf(server)).toMatch(/^\[::1\]:\d+$/));
  });
});

describe('withTracingShutdown', () => {
  it('stops tracing (exporting the last spans) only once the app has stopped, also when stopping failed', async () => {
    const steps: string[] = [];
    const tracing = { enabled: true, shutdown: async () => void steps.push('tracing flushed') };
    const app = { url: 'http://127.0.0.1:3001', close: async () => void steps.push('app closed') };
    const wrapped = withTracingShutdown(app, tracing);
    expect(wrapped.url).toBe(app.url);
    await wrapped.close();
    expect(steps).toEqual(['app closed', 'tracing flushed']);

    steps.length = 0;
    const failing = withTracingShutdown({ close: () => Promise.reject(new Error('stuck')) }, tracing);
    await expect(failing.close()).rejects.toThrow('stuck');
    expect(steps).toEqual(['tracing flushed']);
  });
});
