import {
  AmqpTransport,
  DEFAULT_HANDLER_CONCURRENCY,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  MemoryTransport,
  defaultRelayOptions,
  type MessagingModuleOptions,
  type Transport,
} from '@shop/messaging';
import { CONTEXTS, CONTEXT_NAMES } from '@shop/contracts';
import { createLogger, startTracing, type Logger, type Tracing } from '@shop/observability';
import { DEFAULT_POOL_SIZE, defaultDatabaseTimeouts, type DatabaseTimeouts } from '@shop/persistence';
import type { AddressInfo } from 'node:net';
import { str } from 'envalid';
import { ConfigurationError, loadConfig, type ConfigProblem } from './config/load-config.js';
import { bearerToken, port, positiveInt, secret, url } from './config/config-validators.js';

/** Where a service listens unless `HOST` says otherwise: only its own machine can call it. */
export const DEFAULT_SERVICE_HOST = '127.0.0.1';

/** A context's default port, from its entry in `CONTEXTS` (the one list of contexts). */
export function defaultPortOf(service: string): number {
  const context = CONTEXTS.find((candidate) => candidate.name === service);
  if (!context) throw new Error(`'${service}' is not a context of CONTEXTS (@shop/contracts): ${CONTEXT_NAMES.join(', ')}`);
  return context.port;
}

export interface ServiceDatabase {
  /** A PostgreSQL server; the service uses its own database `shop_<service>` on it. */
  readonly postgresUrl?: string;
  /** A full PostgreSQL URL, database included (`<SERVICE>_DATABASE_URL`); wins over `postgresUrl`. */
  readonly databaseUrl?: string;
  /** The embedded mode's folder of SQLite files. */
  readonly sqliteDir?: string;
  /** PostgreSQL pool size (`DB_POOL_SIZE`); `DEFAULT_POOL_SIZE` when absent. */
  readonly poolSize?: number;
  /** PostgreSQL deadlines (`DB_*_MS`); each one absent takes its default from `@shop/persistence`. */
  readonly timeouts?: Partial<DatabaseTimeouts>;
}

/** How a service's messaging behaves; each setting absent takes the library's default. */
export interface MessagingSettings {
  /** `HANDLER_TIMEOUT_MS`: a handler running longer is rolled back and its delivery retried. */
  readonly handlerTimeoutMs?: number;
  /** `HANDLER_CONCURRENCY`: handler transactions at once. */
  readonly handlerConcurrency?: number;
  /** `OUTBOX_MAX_ATTEMPTS`: failed publishes of a row before it moves to `outbox_dead`. */
  readonly outboxMaxAttempts?: number;
  /** `OUTBOX_MAX_PAYLOAD_BYTES`: the outbox refuses a bigger event payload. */
  readonly maxPayloadBytes?: number;
  /** `SHUTDOWN_TIMEOUT_MS`: how long stopping may take before the work in flight is abandoned. */
  readonly shutdownTimeoutMs?: number;
}

/**
 * Connections a service needs beside its relay workers and handlers: HTTP requests, the backlog
 * gauge, pruning and the consumer's outage probe. `DEFAULT_POOL_SIZE` (16) is the relay's 4 workers,
 * 8 handlers (`DEFAULT_HANDLER_CONCURRENCY`) and this reserve.
 */
export const POOL_RESERVE_FOR_REQUESTS = 4;

/**
 * Everything a context needs from the process it runs in. The same app code runs distributed (its
 * own process, PostgreSQL, RabbitMQ) and embedded (one process for all, SQLite, a shared in-memory
 * transport): only this differs.
 */
export interface ServiceRuntime {
  readonly service: string;
  readonly host: string;
  /** 0: any free port (tests). */
  readonly port: number;
  readonly database: ServiceDatabase;
  /** Absent: every messaging setting takes its default (tests); the embedded platform reads them with `messagingSettingsFromEnv`. */
  readonly messaging?: MessagingSettings;
  readonly transport: () => Promise<Transport> | Transport;
  /** False when the transport is shared in-process and outlives this service. */
  readonly ownsTransport: boolean;
  /** Shared with the gateway: services accept identity only from it. */
  readonly internalAuthSecret: string;
  /** `METRICS_TOKEN`: `/metrics` answers only this bearer token, and is not served without one. */
  readonly metricsToken?: string;
  readonly logger: Logger;
}

/** A started service. */
export interface RunningService {
  readonly service: string;
  /** Where it can be reached, e.g. `http://127.0.0.1:3001` (also when it listens on every interface). */
  readonly url: string;
  /** The address and port it is bound to, as the socket says (`0.0.0.0:3001`, `127.0.0.1:3001`): what the start log shows. */
  readonly boundAddress?: string;
  /**
   * Stops taking requests and messages, finishes the work in flight and closes connections, within the
   * shutdown deadline (`SHUTDOWN_TIMEOUT_MS`); what overruns is abandoned (at-least-once makes that safe).
   */
  close(): Promise<void>;
}

/**
 * The runtime of a service in its own process, from the environment: `AMQP_URL` and `POSTGRES_URL`
 * (or `<SERVICE>_DATABASE_URL`) together select the distributed mode; without either the service
 * runs on SQLite under `SHOP_DATA_DIR` with an in-process transport. One without the other is
 * refused (each process would get its own in-process transport, or a database no other instance
 * shares), and so is a pool too small for the relay, the handlers and requests together. Throws one
 * error naming every bad variable.
 */
export function serviceRuntimeFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): ServiceRuntime {
  const databaseUrlVariable = `${service.toUpperCase()}_DATABASE_URL`;
  const spec = {
    PORT: port({ default: defaultPortOf(service), desc: `port of the ${service} service` }),
    // Loopback unless told: a service answers the gateway, not the network (containers set HOST=0.0.0.0).
    HOST: str({ default: DEFAULT_SERVICE_HOST, desc: 'interface to listen on' }),
    AMQP_URL: url({ default: undefined, desc: 'RabbitMQ; selects the distributed mode' }),
    POSTGRES_URL: url({ default: undefined, desc: 'PostgreSQL server; selects the distributed mode' }),
    [databaseUrlVariable]: url({ default: undefined, desc: `PostgreSQL database of the ${service} service` }),
    SHOP_DATA_DIR: str({ default: './data', desc: 'folder of the embedded SQLite files' }),
    INTERNAL_AUTH_SECRET: secret({ desc: 'shared by the gateway and the services (≥ 32 bytes)' }),
    ...metricsTokenSpec(),
    ...messagingSpec(),
    DB_POOL_SIZE: positiveInt({ default: DEFAULT_POOL_SIZE, desc: 'PostgreSQL connections of the service' }),
    DB_CONNECT_TIMEOUT_MS: positiveInt({ default: defaultDatabaseTimeouts.connectTimeoutMs, desc: 'PostgreSQL connect and pool wait deadline' }),
    DB_STATEMENT_TIMEOUT_MS: positiveInt({ default: defaultDatabaseTimeouts.statementTimeoutMs, desc: 'PostgreSQL statement_timeout' }),
    DB_LOCK_TIMEOUT_MS: positiveInt({ default: defaultDatabaseTimeouts.lockTimeoutMs, desc: 'PostgreSQL lock_timeout' }),
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt({
      default: defaultDatabaseTimeouts.idleInTransactionTimeoutMs,
      desc: 'PostgreSQL idle_in_transaction_session_timeout',
    }),
    DB_QUERY_TIMEOUT_MS: positiveInt({ default: undefined, desc: 'client-side query deadline; DB_STATEMENT_TIMEOUT_MS + 5000 by default' }),
    DB_KEEPALIVE_DELAY_MS: positiveInt({ default: defaultDatabaseTimeouts.keepAliveInitialDelayMs, desc: 'idle time before TCP keepalive probes' }),
    DB_MIGRATION_TIMEOUT_MS: positiveInt({
      default: defaultDatabaseTimeouts.migrationTimeoutMs,
      desc: 'deadline of a migration statement and of the wait for another instance migrating',
    }),
  };
  const problems: ConfigProblem[] = [];
  let config: ReturnType<typeof loadConfig<typeof spec>> | undefined;
  try {
    config = loadConfig(spec, env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  const mode = modeProblem(env, databaseUrlVariable);
  if (mode) problems.push(mode);
  const distributed = isSet(env, 'AMQP_URL');
  if (config && distributed && !mode) {
    const pool = poolSizeProblem(config.DB_POOL_SIZE as number, config.HANDLER_CONCURRENCY as number);
    if (pool) problems.push(pool);
  }
  if (problems.length > 0 || !config) throw new ConfigurationError(problems);

  const logger = createLogger(service);
  const amqpUrl = config.AMQP_URL;
  // Its name depends on the service, so the spread spec's type has no key for it.
  const databaseUrl = (config as unknown as Record<string, unknown>)[databaseUrlVariable] as string | undefined;
  const timeouts: Partial<DatabaseTimeouts> = {
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS as number,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS as number,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS as number,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS as number,
    keepAliveInitialDelayMs: config.DB_KEEPALIVE_DELAY_MS as number,
    migrationTimeoutMs: config.DB_MIGRATION_TIMEOUT_MS as number,
    ...(config.DB_QUERY_TIMEOUT_MS === undefined ? {} : { queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS as number }),
  };
  return {
    service,
    host: config.HOST as string,
    port: config.PORT as number,
    database:
      config.POSTGRES_URL || databaseUrl
        ? { postgresUrl: config.POSTGRES_URL, databaseUrl, poolSize: config.DB_POOL_SIZE as number, timeouts }
        : { sqliteDir: config.SHOP_DATA_DIR },
    messaging: messagingSettingsOf(config),
    transport: amqpUrl ? () => AmqpTransport.connect({ url: amqpUrl, connectionName: service, logger }) : () => new MemoryTransport(logger),
    ownsTransport: true,
    internalAuthSecret: config.INTERNAL_AUTH_SECRET as string,
    metricsToken: config.METRICS_TOKEN as string | undefined,
    logger,
  };
}

/**
 * `METRICS_TOKEN`, the one bearer token every metrics endpoint asks for (a service's `/metrics`, the
 * gateway's `/api/v1/metrics`; unset or empty: none is served), read the same way by each app's own
 * process, the gateway and the embedded platform: `loadConfig({ ...metricsTokenSpec(), … })`.
 */
export const metricsTokenSpec = () => ({
  METRICS_TOKEN: bearerToken({ default: undefined, desc: 'bearer token the metrics endpoint asks for; unset: metrics are not served' }),
});

/** The messaging variables, shared by a service's own process and the embedded platform. */
const messagingSpec = () => ({
  HANDLER_TIMEOUT_MS: positiveInt({ default: DEFAULT_HANDLER_TIMEOUT_MS, desc: 'a handler running longer is rolled back and retried' }),
  HANDLER_CONCURRENCY: positiveInt({ default: DEFAULT_HANDLER_CONCURRENCY, desc: 'handler transactions at once' }),
  OUTBOX_MAX_ATTEMPTS: positiveInt({ default: defaultRelayOptions.maxAttempts, desc: 'failed publishes before an outbox row is dead' }),
  OUTBOX_MAX_PAYLOAD_BYTES: positiveInt({ default: DEFAULT_MAX_PAYLOAD_BYTES, desc: 'largest event payload the outbox takes' }),
  SHUTDOWN_TIMEOUT_MS: positiveInt({ default: DEFAULT_SHUTDOWN_TIMEOUT_MS, desc: 'how long stopping may take' }),
});

const messagingSettingsOf = (config: Readonly<Record<keyof ReturnType<typeof messagingSpec>, unknown>>): MessagingSettings => ({
  handlerTimeoutMs: config.HANDLER_TIMEOUT_MS as number,
  handlerConcurrency: config.HANDLER_CONCURRENCY as number,
  outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS as number,
  maxPayloadBytes: config.OUTBOX_MAX_PAYLOAD_BYTES as number,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS as number,
});

/**
 * The messaging settings alone (`HANDLER_TIMEOUT_MS`, `HANDLER_CONCURRENCY`, `OUTBOX_MAX_ATTEMPTS`,
 * `OUTBOX_MAX_PAYLOAD_BYTES`, `SHUTDOWN_TIMEOUT_MS`), validated: for the embedded platform, whose
 * contexts take them from the one process's environment. Throws a `ConfigurationError`.
 */
export function messagingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): MessagingSettings {
  return messagingSettingsOf(loadConfig(messagingSpec(), env));
}

const isSet = (env: NodeJS.ProcessEnv, variable: string): boolean => (env[variable] ?? '') !== '';

/** The distributed mode needs both the broker and the database; half of it is a broken mix. */
function modeProblem(env: NodeJS.ProcessEnv, databaseUrlVariable: string): ConfigProblem | undefined {
  const database = ['POSTGRES_URL', databaseUrlVariable].filter((variable) => isSet(env, variable));
  const both = `the distributed mode needs AMQP_URL and POSTGRES_URL (or ${databaseUrlVariable}) together: set both, or neither for the embedded mode`;
  if (database.length > 0 && !isSet(env, 'AMQP_URL'))
    return { variable: 'AMQP_URL', problem: `missing; ${database.join(' and ')} ${database.length > 1 ? 'are' : 'is'} set, and ${both}` };
  if (database.length === 0 && isSet(env, 'AMQP_URL')) return { variable: 'POSTGRES_URL', problem: `missing; AMQP_URL is set, and ${both}` };
  return undefined;
}

/** Every relay worker and every handler holds a connection for its transaction; requests need some too. */
function poolSizeProblem(poolSize: number, handlerConcurrency: number): ConfigProblem | undefined {
  const relayWorkers = defaultRelayOptions.concurrency;
  const needed = relayWorkers + handlerConcurrency + POOL_RESERVE_FOR_REQUESTS;
  if (poolSize >= needed) return undefined;
  return {
    variable: 'DB_POOL_SIZE',
    problem: `too small: ${poolSize} connections cannot serve ${relayWorkers} relay workers + ${handlerConcurrency} handlers (HANDLER_CONCURRENCY) + ${POOL_RESERVE_FOR_REQUESTS} for requests and housekeeping; set DB_POOL_SIZE to at least ${needed} or lower HANDLER_CONCURRENCY`,
  };
}

/** The messaging module's options that come from the runtime (`...messagingOptionsOf(runtime)` in `forService`). */
export function messagingOptionsOf(
  runtime: ServiceRuntime,
): Pick<MessagingModuleOptions, 'handlerTimeoutMs' | 'handlerConcurrency' | 'maxPayloadBytes' | 'shutdownTimeoutMs' | 'relay'> {
  const settings = runtime.messaging ?? {};
  return {
    handlerTimeoutMs: settings.handlerTimeoutMs,
    handlerConcurrency: settings.handlerConcurrency,
    maxPayloadBytes: settings.maxPayloadBytes,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    relay: settings.outboxMaxAttempts === undefined ? undefined : { maxAttempts: settings.outboxMaxAttempts },
  };
}

/** `0.0.0.0:3001`, `[::]:3001`, `127.0.0.1:3001`: the address and port a listening server is bound to. */
export function boundAddressOf(server: { address(): AddressInfo | string | null }): string {
  const address = server.address();
  if (address === null) throw new Error('the server is not listening');
  if (typeof address === 'string') return address;
  return `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** Stops a service process cleanly on SIGINT / SIGTERM. */
export function closeOnSignals(running: { close(): Promise<void> }, logger: Logger): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

type Loaded<L extends Record<string, () => unknown>> = { [K in keyof L]: ReturnType<L[K]> };

/**
 * Runs an app as its own process (`node apps/<app>/dist/main.js`): reads its configuration with
 * every loader (the problems of all of them are printed together, then exit 1), starts tracing when
 * the `OTEL_*` variables ask for it (before the app exists: its data sources load pg, which the
 * tracing instruments), starts the app, and stops it cleanly on SIGINT / SIGTERM, the last spans
 * exported once the app has stopped. A failed start is logged and exits 1.
 */
export async function runServiceProcess<L extends Record<string, () => unknown>>(
  service: string,
  loaders: L,
  start: (loaded: Loaded<L>) => Promise<RunningService>,
): Promise<void> {
  const problems: string[] = [];
  const loaded = Object.fromEntries(
    Object.entries(loaders).map(([name, load]) => {
      try {
        return [name, load()];
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
        return [name, undefined];
      }
    }),
  ) as Loaded<L>;
  let tracing: Tracing | undefined;
  try {
    tracing = startTracing({ service });
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  if (problems.length > 0 || !tracing) {
    process.stderr.write(`${service}: the configuration is invalid\n${problems.join('\n')}\n`);
    process.exit(1);
  }
  const logger = createLogger(service);
  try {
    const running = await start(loaded);
    closeOnSignals(withTracingShutdown(running, tracing), logger);
    // The address really bound (`0.0.0.0` when on every interface), not the URL it is reached at.
    const bound = running.boundAddress ?? running.url;
    logger.info({ address: bound, url: running.url }, `${service} service listening on ${bound}`);
  } catch (error) {
    logger.fatal({ err: error }, `${service} failed to start`);
    await tracing.shutdown();
    process.exit(1);
  }
}

/** `running`, whose close also exports the last spans and stops tracing, once the app has stopped (whether or not cleanly). */
export function withTracingShutdown<Running extends { close(): Promise<void> }>(running: Running, tracing: Tracing): Running {
  return { ...running, close: () => running.close().finally(() => tracing.shutdown()) };
}
