import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EventContract, EventEnvelope } from '@shop/contracts';
import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer, type Identity } from '@shop/http';
import { AmqpTransport, MemoryTransport, type Transport } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { openDataSource, withDatabase, type DatabaseKind } from '@shop/persistence';
import { type RunningService, type ServiceDatabase, type ServiceRuntime } from '@shop/runtime';
import { EventProbe, TEST_AMQP_URL, TEST_POSTGRES_URL, anEnvelope, dropDatabase, uniqueServiceName, type Cleanups } from '@shop/testing';
import type { DataSource } from 'typeorm';
import { loadCouponConfig, startCouponService, type CouponConfig } from '../../src/main.js';

const run = promisify(execFile);

export const INTERNAL_AUTH_SECRET = 'the-coupon-tests-internal-secret-of-32-bytes';
/** `/metrics` answers only this bearer token (`METRICS_TOKEN`). */
export const METRICS_TOKEN = 'the-coupon-tests-metrics-token';

/** How the service runs: distributed (PostgreSQL + RabbitMQ) or embedded (SQLite + in-memory transport). */
export type Setup = 'postgres+amqp' | 'sqlite+memory';
export const SETUPS: readonly Setup[] = ['postgres+amqp', 'sqlite+memory'];

/** The service's configuration as its variables would give it (`COUPON_EXPIRY_INTERVAL_MS`, `COUPON_EXPIRY_BATCH_SIZE`). */
export function testCouponConfig(env: NodeJS.ProcessEnv = {}): CouponConfig {
  return loadCouponConfig(env);
}

/** An admin and a customer, as the gateway would name them. */
export const anAdmin = (): Identity => ({ userId: randomUUID(), roles: ['customer', 'admin'] });
export const aCustomer = (userId: string = randomUUID()): Identity => ({ userId, roles: ['customer'] });

/**
 * An envelope of a contract event (`OrderPlacedV1`, `UserRegisteredV1`, …) with its payload, fresh ids
 * and what `overrides` says (give `aggregateId` the order's or user's id when it matters).
 */
export function envelopeOf<P>(contract: EventContract<P>, payload: NoInfer<P>, overrides: Partial<EventEnvelope<P>> = {}): EventEnvelope<P> {
  return anEnvelope<P>(contract.type, { payload, ...overrides });
}

/** A started instance of the service, with its HTTP client. */
export type RunningCouponService = RunningService & { readonly api: CouponApi };

/**
 * One coupon service "deployment" for a test: one database and one broker that outlive restarts of
 * the service and are shared by every instance started on them. Distributed, the database is a
 * PostgreSQL database of its own and the broker a RabbitMQ virtual host of its own: the service is
 * always `coupon` (its queue is `coupon.events`, as the manifest says), so tests running at the same
 * time, or one after the other, never take each other's messages. Embedded, a temporary SQLite folder
 * and one in-memory transport.
 *
 *     const home = await CouponServiceHome.create('postgres+amqp', cleanups);
 *     const [a, b] = await home.startInstances(2);
 *     await a.api.viaGateway('POST', '/admin/coupon-templates', { identity: anAdmin(), body });
 *     await home.publish(envelopeOf(UserRegisteredV1, { ... }));
 *     await home.count('coupon', `user_id = '${userId}'`);
 */
export class CouponServiceHome {
  /** The embedded mode's broker, shared by every start (null when distributed). */
  readonly memoryTransport: MemoryTransport | null;
  private inspector: Promise<DataSource> | undefined;
  private publisher: Promise<Transport> | undefined;

  private constructor(
    readonly setup: Setup,
    readonly database: ServiceDatabase,
    /** The RabbitMQ URL of this home's virtual host (null when embedded). */
    readonly amqpUrl: string | null,
    private readonly cleanups: Cleanups,
  ) {
    this.memoryTransport = setup === 'sqlite+memory' ? new MemoryTransport(silentLogger()) : null;
    const transport = this.memoryTransport;
    if (transport) cleanups.add(() => transport.close());
  }

  static async create(setup: Setup, cleanups: Cleanups): Promise<CouponServiceHome> {
    if (setup === 'postgres+amqp') {
      const suffix = randomBytes(4).toString('hex');
      const database = `shop_coupon_test_${suffix}`;
      const amqpUrl = await createVirtualHost(`shop_coupon_test_${suffix}`, cleanups);
      cleanups.add(() => dropDatabase(database));
      return new CouponServiceHome(setup, { databaseUrl: withDatabase(TEST_POSTGRES_URL, database), poolSize: 16 }, amqpUrl, cleanups);
    }
    const dir = await mkdtemp(join(tmpdir(), 'shop-coupon-test-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    return new CouponServiceHome(setup, { sqliteDir: dir }, null, cleanups);
  }

  get kind(): DatabaseKind {
    return this.setup === 'postgres+amqp' ? 'postgres' : 'sqlite';
  }

  /** What one instance runs on: this home's database and broker, any free port, a silent logger. */
  runtime(overrides: Partial<ServiceRuntime> = {}): ServiceRuntime {
    const memory = this.memoryTransport;
    const amqpUrl = this.amqpUrl;
    return {
      service: 'coupon',
      host: '127.0.0.1',
      port: 0,
      database: this.database,
      transport: memory
        ? () => memory
        : (): Promise<Transport> => AmqpTransport.connect({ url: amqpUrl!, connectionName: uniqueServiceName('coupon_test'), logger: silentLogger() }),
      ownsTransport: memory === null,
      internalAuthSecret: INTERNAL_AUTH_SECRET,
      metricsToken: METRICS_TOKEN,
      logger: silentLogger(),
      ...overrides,
    };
  }

  /** Starts one instance; it is closed with the test's cleanups (closing it earlier is fine). */
  async start(config: CouponConfig = testCouponConfig(), runtime: Partial<ServiceRuntime> = {}): Promise<RunningCouponService> {
    const running = await startCouponService(this.runtime(runtime), config);
    this.cleanups.add(() => running.close());
    return { ...running, close: () => running.close(), api: new CouponApi(running.url) };
  }

  /**
   * Starts `count` instances on the same database and broker, one after the other (their migrations
   * would wait for each other anyway). More than one needs PostgreSQL: SQLite is one process's file.
   */
  async startInstances(count: number, config: CouponConfig = testCouponConfig()): Promise<RunningCouponService[]> {
    if (count > 1 && this.setup !== 'postgres+amqp') throw new Error('several instances share a PostgreSQL database; SQLite is one process’s file');
    const instances: RunningCouponService[] = [];
    for (let i = 0; i < count; i++) instances.push(await this.start(config));
    return instances;
  }

  /**
   * Publishes envelopes as another service would: to this home's broker, routed by the manifest to
   * the service's queue `coupon.events`. Start the service first (it declares the topology): an event
   * nobody is bound for is refused (mandatory publish), and this throws.
   */
  async publish(...envelopes: EventEnvelope[]): Promise<void> {
    const transport = await this.transportForTests();
    const outcomes = await transport.publishBatch(envelopes);
    const failed = outcomes.flatMap((outcome, i) => (outcome.ok ? [] : [`${envelopes[i]!.type} ${envelopes[i]!.id}: ${outcome.error.message}`]));
    if (failed.length > 0) throw new Error(`publish failed: ${failed.join('; ')}`);
  }

  /**
   * Listens to events as another service (`service`, a queue of its own on this home's broker) would:
   * every delivery is kept, duplicates included. Binding it also makes those types routable, so that
   * the coupon service's own events (`coupon.reserved.v1`, …), which no registered context consumes
   * yet, are published instead of waiting in its outbox.
   */
  async listen<P = unknown>(eventTypes: readonly string[], service = 'coupontestprobe'): Promise<EventProbe<P>> {
    const transport = await this.transportForTests();
    const { probe, stop } = await EventProbe.listen<P>(transport, service, eventTypes);
    this.cleanups.add(stop);
    return probe;
  }

  /** Rows of a query on the service's database, over a connection of the test's own (placeholders of its dialect). */
  async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    const result: unknown = await (await this.inspect()).query(sql, parameters);
    // PostgreSQL answers an UPDATE or DELETE with [rows, count].
    return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result) as R[];
  }

  /** `SELECT COUNT(*)` of a table of the service's database, optionally with a WHERE clause. */
  async count(table: string, where?: string, parameters?: unknown[]): Promise<number> {
    const [row] = await this.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`, parameters);
    return Number(row?.n ?? 0);
  }

  /** The types of the events the service wrote to its outbox, oldest first. */
  async outboxTypes(): Promise<string[]> {
    return (await this.query<{ type: string }>(`SELECT type FROM outbox ORDER BY seq`)).map((row) => row.type);
  }

  /** The n-th placeholder in this home's SQL dialect. */
  param(n: number): string {
    return this.setup === 'postgres+amqp' ? `$${n}` : '?';
  }

  private inspect(): Promise<DataSource> {
    this.inspector ??= openDataSource({ service: 'coupon', ...this.database, poolSize: 2, entities: [], migrations: [] }).then((dataSource) => {
      this.cleanups.add(() => dataSource.destroy());
      return dataSource;
    });
    return this.inspector;
  }

  /** The test's own connection to the broker (the shared in-memory transport when embedded). */
  private transportForTests(): Promise<Transport> {
    if (this.memoryTransport) return Promise.resolve(this.memoryTransport);
    this.publisher ??= AmqpTransport.connect({ url: this.amqpUrl!, connectionName: uniqueServiceName('coupon_test_publisher'), logger: silentLogger() }).then(
      (transport) => {
        this.cleanups.add(() => transport.close());
        return transport;
      },
    );
    return this.publisher;
  }
}

/**
 * A RabbitMQ virtual host of its own, for the test user of `TEST_AMQP_URL`; deleted (queues and all)
 * with the cleanups. Returns its URL.
 */
async function createVirtualHost(name: string, cleanups: Cleanups): Promise<string> {
  const base = new URL(TEST_AMQP_URL);
  const user = decodeURIComponent(base.username || 'guest');
  // Added first, so that it runs last: after every connection to it is closed.
  cleanups.add(() => run('rabbitmqctl', ['delete_vhost', name], { timeout: 60_000 }).catch(() => undefined));
  await run('rabbitmqctl', ['add_vhost', name], { timeout: 60_000 });
  await run('rabbitmqctl', ['set_permissions', '-p', name, user, '.*', '.*', '.*'], { timeout: 60_000 });
  base.pathname = `/${encodeURIComponent(name)}`;
  return base.toString();
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as is, instead of `body` as JSON. */
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls one instance over HTTP, either as the gateway forwards a call or straight past it. */
export class CouponApi {
  private readonly gateway = new InternalTokenIssuer(INTERNAL_AUTH_SECRET);

  constructor(readonly url: string) {}

  /** With the gateway's internal token: for `identity`, or anonymous. `path` includes its query string. */
  viaGateway(method: Method, path: string, options: RequestOptions & { identity?: Identity } = {}): Promise<Response> {
    const token = this.gateway.issue({ audience: 'coupon', method, path }, options.identity);
    return this.direct(method, path, { ...options, headers: { ...options.headers, [INTERNAL_TOKEN_HEADER]: token } });
  }

  /** Without the gateway's token, unless `headers` brings one. */
  direct(method: Method, path: string, options: RequestOptions = {}): Promise<Response> {
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    return fetch(`${this.url}${path}`, { method, headers, body });
  }

  /** Creates a template as an admin; throws unless 201. */
  async createTemplate<T = { templateId: string }>(body: unknown, admin: Identity = anAdmin()): Promise<T> {
    const response = await this.viaGateway('POST', '/admin/coupon-templates', { identity: admin, body });
    if (response.status !== 201) throw new Error(`createCouponTemplate answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Claims a coupon of `templateId` for `customer`: the raw answer (201, or 409 problem+json). */
  claim(templateId: string, customer: Identity): Promise<Response> {
    return this.viaGateway('POST', `/coupon-templates/${templateId}/claim`, { identity: customer });
  }
}

/** The problem+json body of an error answer. */
export async function problemOf(response: Response): Promise<{ status: number; code: string; detail?: string; errors?: Array<{ field: string }> }> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/problem+json')) throw new Error(`expected problem+json, got '${contentType}': ${await response.text()}`);
  return (await response.json()) as { status: number; code: string; detail?: string; errors?: Array<{ field: string }> };
}
