import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer, type Identity } from '@shop/http';
import { type RunningService, type ServiceDatabase, type ServiceRuntime } from '@shop/runtime';
import { AmqpTransport, MemoryTransport, type Transport } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { openDataSource, withDatabase } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, dropDatabase, uniqueServiceName, type Cleanups } from '@shop/testing';
import type { DataSource } from 'typeorm';
import { loadUserConfig, startUserService, type UserConfig } from '../../src/main.js';
import { TEST_JWT_SECRET } from './user-test-database.js';

export const INTERNAL_AUTH_SECRET = 'the-user-tests-internal-secret-of-32-bytes';
/** `/metrics` answers only this bearer token (`METRICS_TOKEN`). */
export const METRICS_TOKEN = 'the-user-tests-metrics-token';

/** How the service runs: distributed (PostgreSQL + RabbitMQ) or embedded (SQLite + in-memory transport). */
export type Setup = 'postgres+amqp' | 'sqlite+memory';
export const SETUPS: readonly Setup[] = ['postgres+amqp', 'sqlite+memory'];

/** The service's configuration as its variables would give it; `SHOP_ADMIN_*` when `admin` is set. */
export function testUserConfig(admin?: { email: string; password: string }): UserConfig {
  return loadUserConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_EXPIRES_IN_SECONDS: '600',
    ...(admin ? { SHOP_ADMIN_EMAIL: admin.email, SHOP_ADMIN_PASSWORD: admin.password } : {}),
  });
}

/**
 * One database (and, embedded, one in-memory broker) that survives restarts of the service: each
 * `start` is a fresh process's worth of service on the same state. The service is always `user`,
 * so PostgreSQL gets a database of its own per test instead of `shop_user`.
 */
export class UserServiceHome {
  /** The embedded mode's broker, shared by every start (null when distributed). */
  readonly memoryTransport: MemoryTransport | null;
  private inspector: Promise<DataSource> | undefined;

  private constructor(
    readonly setup: Setup,
    readonly database: ServiceDatabase,
    private readonly cleanups: Cleanups,
  ) {
    this.memoryTransport = setup === 'sqlite+memory' ? new MemoryTransport() : null;
    const transport = this.memoryTransport;
    if (transport) cleanups.add(() => transport.close());
  }

  static async create(setup: Setup, cleanups: Cleanups): Promise<UserServiceHome> {
    if (setup === 'postgres+amqp') {
      const name = `shop_user_test_${randomBytes(4).toString('hex')}`;
      cleanups.add(() => dropDatabase(name));
      return new UserServiceHome(setup, { databaseUrl: withDatabase(TEST_POSTGRES_URL, name) }, cleanups);
    }
    const dir = await mkdtemp(join(tmpdir(), 'shop-user-test-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    return new UserServiceHome(setup, { sqliteDir: dir }, cleanups);
  }

  runtime(): ServiceRuntime {
    const memory = this.memoryTransport;
    return {
      service: 'user',
      host: '127.0.0.1',
      port: 0,
      database: this.database,
      transport: memory
        ? () => memory
        : (): Promise<Transport> => AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: uniqueServiceName('user_test'), logger: silentLogger() }),
      ownsTransport: memory === null,
      internalAuthSecret: INTERNAL_AUTH_SECRET,
      metricsToken: METRICS_TOKEN,
      logger: silentLogger(),
    };
  }

  async start(config: UserConfig = testUserConfig()): Promise<RunningService & { api: UserApi }> {
    const running = await startUserService(this.runtime(), config);
    this.cleanups.add(() => running.close());
    return { ...running, close: () => running.close(), api: new UserApi(running.url) };
  }

  /** Rows in a table of the service's database, read over a connection of the test's own. */
  async count(table: 'users' | 'outbox' | 'outbox_pending'): Promise<number> {
    const dataSource = await this.inspect();
    const [row] = (await dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`)) as Array<{ n: string | number }>;
    return Number(row?.n ?? 0);
  }

  async outboxTypes(): Promise<string[]> {
    const rows = (await (await this.inspect()).query(`SELECT type FROM outbox ORDER BY seq`)) as Array<{ type: string }>;
    return rows.map((row) => row.type);
  }

  private inspect(): Promise<DataSource> {
    this.inspector ??= openDataSource({ service: 'user', ...this.database, entities: [], migrations: [], poolSize: 2 }).then((dataSource) => {
      this.cleanups.add(() => dataSource.destroy());
      return dataSource;
    });
    return this.inspector;
  }
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as is, instead of `body` as JSON. */
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Calls the service over HTTP, either as the gateway forwards a call or straight past it. */
export class UserApi {
  private readonly gateway = new InternalTokenIssuer(INTERNAL_AUTH_SECRET);

  constructor(readonly url: string) {}

  /** With the gateway's internal token: for `identity`, or anonymous. */
  async viaGateway(method: 'GET' | 'POST', path: string, options: RequestOptions & { identity?: Identity } = {}): Promise<Response> {
    const token = this.gateway.issue({ audience: 'user', method, path }, options.identity);
    return this.direct(method, path, { ...options, headers: { ...options.headers, [INTERNAL_TOKEN_HEADER]: token } });
  }

  /** Without the gateway's token, unless `headers` brings one. */
  direct(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<Response> {
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    return fetch(`${this.url}${path}`, { method, headers, body });
  }

  async register(body: { email: string; password: string; nickname?: string }): Promise<{ userId: string; email: string; nickname: string | null }> {
    const response = await this.viaGateway('POST', '/auth/register', { body });
    if (response.status !== 201) throw new Error(`register answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { userId: string; email: string; nickname: string | null };
  }

  async logIn(body: { email: string; password: string }): Promise<{ accessToken: string; tokenType: string; expiresIn: number }> {
    const response = await this.viaGateway('POST', '/auth/login', { body });
    if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { accessToken: string; tokenType: string; expiresIn: number };
  }
}

/** The problem+json body of an error answer. */
export async function problemOf(response: Response): Promise<{ status: number; code: string; errors?: Array<{ field: string }> }> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/problem+json')) throw new Error(`expected problem+json, got '${contentType}': ${await response.text()}`);
  return (await response.json()) as { status: number; code: string; errors?: Array<{ field: string }> };
}
