import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subscriptions, type EventContract, type EventEnvelope } from '@shop/contracts';
import type { Identity } from '@shop/http';
import { AmqpTransport, MemoryTransport, type Transport } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { dialectOf, inList, openDataSource, rowsOf, withDatabase, type DatabaseKind } from '@shop/persistence';
import { EventProbe, TEST_POSTGRES_URL, anEnvelope, createVirtualHost, dropDatabase, uniqueServiceName, waitFor, type Cleanups } from '@shop/testing';
import type { DataSource } from 'typeorm';
import type { RunningService, ServiceDatabase, ServiceRuntime } from '../../src/index.js';

/** How long `deliver` waits for the service to handle what it published (a failing test's wait). */
const DELIVERY_TIMEOUT_MS = 60_000;

/** How a service runs: distributed (PostgreSQL + RabbitMQ) or embedded (SQLite + in-memory transport). */
export type Setup = 'postgres+amqp' | 'sqlite+memory';
export const SETUPS: readonly Setup[] = ['postgres+amqp', 'sqlite+memory'];

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

/** What a context's test harness knows of the context: everything else is the same for every context. */
export interface ContextUnderTest<Config, Api> {
  /** Its name in `CONTEXTS`: its queue `<service>.events`, the internal token's audience, its database's name. */
  readonly service: string;
  /** Its `start<Ctx>Service` (main.ts). */
  readonly start: (runtime: ServiceRuntime, config: Config) => Promise<RunningService>;
  /** The configuration `start()` uses when the test gives none (its variables all unset). */
  readonly defaultConfig: () => Config;
  /** Its HTTP client on one instance's URL. */
  readonly api: (url: string) => Api;
  /** `INTERNAL_AUTH_SECRET` of the instances (and of the `api`'s gateway tokens). */
  readonly internalAuthSecret: string;
  /** `METRICS_TOKEN` of the instances. */
  readonly metricsToken: string;
}

/** Where a home's instances run: created by `ContextServiceHome.place`, removed with the test's cleanups. */
export interface ServicePlace {
  readonly setup: Setup;
  readonly database: ServiceDatabase;
  /** The RabbitMQ URL of the home's virtual host (null when embedded). */
  readonly amqpUrl: string | null;
  /** The embedded mode's broker (null when distributed). */
  readonly memoryTransport: MemoryTransport | null;
}

/** A started instance of a service, with its HTTP client. */
export type RunningContextService<Api> = RunningService & { readonly api: Api };

/**
 * One "deployment" of a context's service for a test: one database and one broker that outlive restarts
 * of the service and are shared by every instance started on them. Distributed, the database is a
 * PostgreSQL database of its own and the broker a RabbitMQ virtual host of its own: the service keeps its
 * real name (its queue is `<service>.events`, as the manifest says), so tests running at the same time,
 * or one after the other, never take each other's messages. Embedded, a temporary SQLite folder and one
 * in-memory transport.
 *
 * Each context's harness is a subclass naming the context (`ContextUnderTest`) with a static `create`:
 *
 *     static async create(setup: Setup, cleanups: Cleanups): Promise<CouponServiceHome> {
 *       return new CouponServiceHome(COUPON, await ContextServiceHome.place('coupon', setup, cleanups), cleanups);
 *     }
 */
export class ContextServiceHome<Config, Api> {
  /** The embedded mode's broker, shared by every start (null when distributed). */
  readonly memoryTransport: MemoryTransport | null;
  readonly setup: Setup;
  readonly database: ServiceDatabase;
  /** The RabbitMQ URL of this home's virtual host (null when embedded). */
  readonly amqpUrl: string | null;
  private inspector: Promise<DataSource> | undefined;
  private publisher: Promise<Transport> | undefined;

  protected constructor(
    readonly context: ContextUnderTest<Config, Api>,
    place: ServicePlace,
    protected readonly cleanups: Cleanups,
  ) {
    this.setup = place.setup;
    this.database = place.database;
    this.amqpUrl = place.amqpUrl;
    this.memoryTransport = place.memoryTransport;
  }

  /**
   * A database and a broker of their own for `service`: a PostgreSQL database `shop_<service>_test_<random>`
   * and a RabbitMQ virtual host of the same name, or a temporary SQLite folder and an in-memory transport;
   * removed with the cleanups.
   *
   * The in-memory transport counts an event sent only once every consumer the subscription manifest
   * names has taken it, and only this service runs here: a stand-in takes each other service's share
   * (what it takes is dropped), so that an event published for this service, or by it, is not held
   * pending for a consumer that never starts. On RabbitMQ, a queue nobody declared simply is not there.
   */
  protected static async place(service: string, setup: Setup, cleanups: Cleanups): Promise<ServicePlace> {
    if (setup === 'postgres+amqp') {
      const name = `shop_${service}_test_${randomBytes(4).toString('hex')}`;
      const vhost = await createVirtualHost(name);
      // Added first, so that it runs last: after every connection to it is closed.
      cleanups.add(() => vhost.remove().catch(() => undefined));
      const amqpUrl = vhost.url;
      cleanups.add(() => dropDatabase(name));
      return { setup, database: { databaseUrl: withDatabase(TEST_POSTGRES_URL, name), poolSize: 16 }, amqpUrl, memoryTransport: null };
    }
    const dir = await mkdtemp(join(tmpdir(), `shop-${service}-test-`));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    const memoryTransport = new MemoryTransport(silentLogger());
    cleanups.add(() => memoryTransport.close());
    for (const other of subscriptions.filter((subscription) => subscription.service !== service)) {
      const { stop } = await EventProbe.listen(memoryTransport, other.service, other.eventTypes);
      cleanups.add(stop);
    }
    return { setup, database: { sqliteDir: dir }, amqpUrl: null, memoryTransport };
  }

  get kind(): DatabaseKind {
    return this.setup === 'postgres+amqp' ? 'postgres' : 'sqlite';
  }

  /** What one instance runs on: this home's database and broker, any free port, a silent logger. */
  runtime(overrides: Partial<ServiceRuntime> = {}): ServiceRuntime {
    const memory = this.memoryTransport;
    const amqpUrl = this.amqpUrl;
    const service = this.context.service;
    return {
      service,
      host: '127.0.0.1',
      port: 0,
      database: this.database,
      transport: memory
        ? () => memory
        : (): Promise<Transport> => AmqpTransport.connect({ url: amqpUrl!, connectionName: uniqueServiceName(`${service}_test`), logger: silentLogger() }),
      ownsTransport: memory === null,
      internalAuthSecret: this.context.internalAuthSecret,
      metricsToken: this.context.metricsToken,
      logger: silentLogger(),
      ...overrides,
    };
  }

  /** Starts one instance; it is closed with the test's cleanups (closing it earlier is fine). */
  async start(config: Config = this.context.defaultConfig(), runtime: Partial<ServiceRuntime> = {}): Promise<RunningContextService<Api>> {
    const running = await this.context.start(this.runtime(runtime), config);
    this.cleanups.add(() => running.close());
    return { ...running, close: () => running.close(), api: this.context.api(running.url) };
  }

  /**
   * Starts `count` instances on the same database and broker, one after the other (their migrations
   * would wait for each other anyway). More than one needs PostgreSQL: SQLite is one process's file.
   */
  async startInstances(count: number, config: Config = this.context.defaultConfig()): Promise<Array<RunningContextService<Api>>> {
    if (count > 1 && this.setup !== 'postgres+amqp') throw new Error('several instances share a PostgreSQL database; SQLite is one process’s file');
    const instances: Array<RunningContextService<Api>> = [];
    for (let i = 0; i < count; i++) instances.push(await this.start(config));
    return instances;
  }

  /**
   * Publishes envelopes as another service would: to this home's broker, routed by the manifest to
   * the service's queue `<service>.events`. Start the service first (it declares the topology): an event
   * nobody is bound for is refused (mandatory publish), and this throws.
   */
  async publish(...envelopes: EventEnvelope[]): Promise<void> {
    const transport = await this.transportForTests();
    const outcomes = await transport.publishBatch(envelopes);
    const failed = outcomes.flatMap((outcome, i) => (outcome.ok ? [] : [`${envelopes[i]!.type} ${envelopes[i]!.id}: ${outcome.error.message}`]));
    if (failed.length > 0) throw new Error(`publish failed: ${failed.join('; ')}`);
  }

  /**
   * Publishes the envelopes (`publish`, one batch) and waits until the service has handled every one:
   * its inbox row, committed with the handler's effects, is there for each id. Fails after `DELIVERY_TIMEOUT_MS`,
   * saying how many were handled. An envelope the service refuses for good (dead-lettered) never gets there.
   */
  async deliver(...envelopes: EventEnvelope[]): Promise<void> {
    await this.publish(...envelopes);
    const ids = [...new Set(envelopes.map((envelope) => envelope.id))];
    const what = ids.length === 1 ? `${envelopes[0]!.type} ${ids[0]} handled` : `${ids.length} events handled`;
    await waitFor(async () => (await this.handledCount(ids)) === ids.length, { timeoutMs: DELIVERY_TIMEOUT_MS, what }).catch(async (error: Error) => {
      throw new Error(`${error.message} (${await this.handledCount(ids)} of ${ids.length} were)`);
    });
  }

  /**
   * Delivers the event twice over, as an at-least-once broker and a retrying publisher would: the very
   * same message again (same id: the inbox drops it) and a copy with an id of its own (handled, so the
   * handler itself must see that it is a repeat); waits until both ids are handled. One aggregate's
   * messages are handled one after another in the order they arrive, so the three are handled in turn.
   * Returns the copy.
   */
  async deliverTwice<P>(envelope: EventEnvelope<P>): Promise<EventEnvelope<P>> {
    const copy = { ...envelope, id: randomUUID() };
    await this.deliver(envelope, envelope, copy);
    return copy;
  }

  /** Whether the service has handled the message: its inbox row is committed with the handler's effects. */
  async handled(messageId: string): Promise<boolean> {
    return (await this.handledCount([messageId])) > 0;
  }

  private async handledCount(messageIds: readonly string[]): Promise<number> {
    const ids = inList(dialectOf(this.kind), messageIds.length);
    const [row] = await this.query<{ n: string | number }>(`SELECT COUNT(DISTINCT message_id) AS n FROM inbox WHERE message_id IN ${ids}`, [...messageIds]);
    return Number(row?.n ?? 0);
  }

  /**
   * Listens to events as another service (`service`, a queue of its own on this home's broker; by default
   * `<service>testprobe`) would: every delivery is kept, duplicates included. Binding it also makes those
   * types routable, so that the service's own events that no registered context consumes yet are
   * published instead of waiting in its outbox.
   */
  async listen<P = unknown>(eventTypes: readonly string[], service = `${this.context.service}testprobe`): Promise<EventProbe<P>> {
    const transport = await this.transportForTests();
    const { probe, stop } = await EventProbe.listen<P>(transport, service, eventTypes);
    this.cleanups.add(stop);
    return probe;
  }

  /** Rows of a query on the service's database, over a connection of the test's own (placeholders of its dialect). */
  async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await (await this.inspect()).query(sql, parameters));
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
    this.inspector ??= openDataSource({ service: this.context.service, ...this.database, poolSize: 2, entities: [], migrations: [] }).then((dataSource) => {
      this.cleanups.add(() => dataSource.destroy());
      return dataSource;
    });
    return this.inspector;
  }

  /** The test's own connection to the broker (the shared in-memory transport when embedded). */
  private transportForTests(): Promise<Transport> {
    if (this.memoryTransport) return Promise.resolve(this.memoryTransport);
    const connectionName = uniqueServiceName(`${this.context.service}_test_publisher`);
    this.publisher ??= AmqpTransport.connect({ url: this.amqpUrl!, connectionName, logger: silentLogger() }).then((transport) => {
      this.cleanups.add(() => transport.close());
      return transport;
    });
    return this.publisher;
  }
}
