import { AmqpTransport, MemoryTransport, createLogger, type Logger, type Transport } from '@shop/messaging';
import { str } from 'envalid';
import { loadConfig } from '../config/load-config.js';
import { port, secret, url } from '../config/config-validators.js';

/** The default ports of DESIGN.md section 7. */
export const SERVICE_PORTS = { gateway: 3000, user: 3001, order: 3002, coupon: 3003, points: 3004, payment: 3005 } as const;

export interface ServiceDatabase {
  /** A PostgreSQL server; the service uses its own database `shop_<service>` on it. */
  readonly postgresUrl?: string;
  /** A full PostgreSQL URL, database included (`<SERVICE>_DATABASE_URL`); wins over `postgresUrl`. */
  readonly databaseUrl?: string;
  /** The embedded mode's folder of SQLite files. */
  readonly sqliteDir?: string;
}

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
  readonly transport: () => Promise<Transport> | Transport;
  /** False when the transport is shared in-process and outlives this service. */
  readonly ownsTransport: boolean;
  /** Shared with the gateway: services accept identity only from it. */
  readonly internalAuthSecret: string;
  readonly logger: Logger;
}

/** A started service. */
export interface RunningService {
  readonly service: string;
  /** Where it listens, e.g. `http://127.0.0.1:3001`. */
  readonly url: string;
  /** Stops taking requests and messages, drains the relay, closes connections. */
  close(): Promise<void>;
}

/**
 * The runtime of a service in its own process, from the environment: `AMQP_URL` and `POSTGRES_URL`
 * (or `<SERVICE>_DATABASE_URL`) select the distributed mode; without them the service runs on SQLite
 * under `SHOP_DATA_DIR` with an in-process transport. Throws one error naming every bad variable.
 */
export function serviceRuntimeFromEnv(service: keyof typeof SERVICE_PORTS, env: NodeJS.ProcessEnv = process.env): ServiceRuntime {
  const databaseUrlVariable = `${service.toUpperCase()}_DATABASE_URL`;
  const config = loadConfig(
    {
      PORT: port({ default: SERVICE_PORTS[service], desc: `port of the ${service} service` }),
      HOST: str({ default: '0.0.0.0', desc: 'interface to listen on' }),
      AMQP_URL: url({ default: undefined, desc: 'RabbitMQ; selects the distributed mode' }),
      POSTGRES_URL: url({ default: undefined, desc: 'PostgreSQL server; selects the distributed mode' }),
      [databaseUrlVariable]: url({ default: undefined, desc: `PostgreSQL database of the ${service} service` }),
      SHOP_DATA_DIR: str({ default: './data', desc: 'folder of the embedded SQLite files' }),
      INTERNAL_AUTH_SECRET: secret({ desc: 'shared by the gateway and the services (≥ 32 bytes)' }),
    },
    env,
  );
  const logger = createLogger(service);
  const amqpUrl = config.AMQP_URL;
  const databaseUrl = config[databaseUrlVariable] as string | undefined;
  return {
    service,
    host: config.HOST as string,
    port: config.PORT as number,
    database: config.POSTGRES_URL || databaseUrl ? { postgresUrl: config.POSTGRES_URL, databaseUrl } : { sqliteDir: config.SHOP_DATA_DIR },
    transport: amqpUrl ? () => AmqpTransport.connect({ url: amqpUrl, connectionName: service, logger }) : () => new MemoryTransport(logger),
    ownsTransport: true,
    internalAuthSecret: config.INTERNAL_AUTH_SECRET as string,
    logger,
  };
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
 * every loader (the problems of all of them are printed together, then exit 1), starts it, and
 * stops it cleanly on SIGINT / SIGTERM. A failed start is logged and exits 1.
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
  if (problems.length > 0) {
    process.stderr.write(`${service}: the configuration is invalid\n${problems.join('\n')}\n`);
    process.exit(1);
  }
  const logger = createLogger(service);
  try {
    const running = await start(loaded);
    closeOnSignals(running, logger);
    logger.info({ url: running.url }, `${service} service listening`);
  } catch (error) {
    logger.fatal({ err: error }, `${service} failed to start`);
    process.exit(1);
  }
}
