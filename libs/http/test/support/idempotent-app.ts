// A small service with @Idempotent() routes whose effect inserts a row, for the unit specs (SQLite)
// and the PostgreSQL tests: the real configureHttpApp, guard, filter, module and migration.
import { randomUUID } from 'node:crypto';
import { Body, Controller, Global, HttpCode, Inject, Module, Param, Post, type DynamicModule, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LOGGER, silentLogger } from '@shop/observability';
import { TransactionHost } from '@shop/persistence';
import { DomainError, ManualClock, type Clock } from '@shop/shared-kernel';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import {
  CurrentIdentity,
  Idempotent,
  IdempotencyModule,
  InternalTokenIssuer,
  InternalTokenVerifier,
  INTERNAL_TOKEN_HEADER,
  RequiresUser,
  SchemaPipe,
  configureHttpApp,
  createHttpAdapter,
  type Identity,
  type IdempotencyModuleOptions,
} from '../../src/index.js';

const SECRET = 'idempotency-test-secret-of-32-bytes!!';
const issuer = new InternalTokenIssuer(SECRET);

/** The effect the routes have: one row per order placed. */
export class CreateProbeOrders1734500000001 implements MigrationInterface {
  name = 'CreateProbeOrders1734500000001';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE probe_order (order_id VARCHAR(36) PRIMARY KEY, user_id VARCHAR(100) NOT NULL, item VARCHAR(100) NOT NULL, quantity INTEGER NOT NULL)`,
    );
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE probe_order`);
  }
}

/** What a test steers in the routes: hold them before their effect, count their runs, make them fail. */
export class ProbeControls {
  runs = 0;
  /** Awaited by every run before its effect. */
  hold: Promise<void> | undefined;
  /** Awaited by every run after its effect, inside its transaction, before the answer is stored. */
  holdAfterEffect: Promise<void> | undefined;
  /** Called by a run once its effect is written (not yet committed). */
  effected: (() => void) | undefined;
  /** The next this many runs throw an unexpected error after their effect (a 500). */
  failures = 0;
  /** Called by a run once it reached `hold`. */
  reached: (() => void) | undefined;
  /** Whether each run of `POST /orders` or `POST /payments` (`transaction: 'own'`) found a transaction open around it. */
  readonly enclosed: boolean[] = [];
  /** Awaited by every run of `POST /payments` after its first commit, outside any transaction (the provider call). */
  holdBetweenCommits: Promise<void> | undefined;
  /** While set, `POST /payments` of item `not-yet` refuses with `NOT_YET` (404), a code it lists in `transientCodes`. */
  notYet = false;
}

const PROBE = Symbol('ProbeControls');

const OrderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['item', 'quantity'],
  properties: { item: { type: 'string', maxLength: 100 }, quantity: { type: 'integer', minimum: 1, maximum: 1000 } },
} as const;

interface OrderRequest {
  item: string;
  quantity: number;
}

@Controller()
class ProbeController {
  constructor(
    private readonly transactions: TransactionHost,
    @Inject(PROBE) private readonly probe: ProbeControls,
  ) {}

  @Post('orders')
  @RequiresUser()
  @Idempotent()
  async place(@Body(new SchemaPipe(OrderSchema)) body: OrderRequest, @CurrentIdentity() user: Identity) {
    this.probe.runs++;
    this.probe.enclosed.push(this.transactions.inTransaction);
    this.probe.reached?.();
    await this.probe.hold;
    if (body.item === 'sold-out') throw new DomainError('SOLD_OUT', `No ${body.item} left.`);
    // The use case's own unit of work: it joins the transaction the idempotency interceptor opened.
    const orderId = await this.transactions.run(async () => {
      const id = randomUUID();
      await this.transactions.manager.query(
        this.transactions.kind === 'postgres'
          ? `INSERT INTO probe_order (order_id, user_id, item, quantity) VALUES ($1, $2, $3, $4)`
          : `INSERT INTO probe_order (order_id, user_id, item, quantity) VALUES (?, ?, ?, ?)`,
        [id, user.userId, body.item, body.quantity],
      );
      this.probe.effected?.();
      await this.probe.holdAfterEffect;
      return id;
    });
    if (this.probe.failures > 0) {
      this.probe.failures--;
      throw new Error('the process failed after the effect');
    }
    return { orderId, item: body.item, quantity: body.quantity, status: 'PENDING' };
  }

  @Post('orders/:id/notes')
  @RequiresUser()
  @HttpCode(202)
  @Idempotent({ required: true })
  note(@Param('id') id: string) {
    this.probe.runs++;
    return `noted ${id} ${randomUUID()}`;
  }

  /**
   * A route that opens its own transactions (as POST /payments: commit PENDING, call the provider, commit
   * the outcome): its effect commits before its answer is stored. `sold-out` answers 409, `not-yet` 404 while
   * `notYet` is set (a transient refusal: the key is freed).
   */
  @Post('payments')
  @RequiresUser()
  @Idempotent({ transaction: 'own', transientCodes: ['NOT_YET'] })
  async pay(@Body(new SchemaPipe(OrderSchema)) body: OrderRequest, @CurrentIdentity() user: Identity) {
    this.probe.runs++;
    this.probe.enclosed.push(this.transactions.inTransaction);
    if (body.item === 'sold-out') throw new DomainError('SOLD_OUT', `No ${body.item} left.`);
    if (body.item === 'not-yet' && this.probe.notYet) throw new DomainError('NOT_YET', 'Nothing to pay yet.');
    const orderId = await this.transactions.run(async () => {
      const id = randomUUID();
      await this.transactions.manager.query(
        this.transactions.kind === 'postgres'
          ? `INSERT INTO probe_order (order_id, user_id, item, quantity) VALUES ($1, $2, $3, $4)`
          : `INSERT INTO probe_order (order_id, user_id, item, quantity) VALUES (?, ?, ?, ?)`,
        [id, user.userId, body.item, body.quantity],
      );
      return id;
    });
    this.probe.effected?.();
    await this.probe.holdBetweenCommits;
    return { orderId, item: body.item, quantity: body.quantity, status: 'PENDING' };
  }

  /** Open to anonymous callers (no @RequiresUser). */
  @Post('feedback')
  @Idempotent()
  feedback() {
    this.probe.runs++;
    return { received: randomUUID() };
  }
}

@Global()
@Module({})
class ProbeInfrastructure {
  static with(transactions: TransactionHost, probe: ProbeControls): DynamicModule {
    return {
      module: ProbeInfrastructure,
      providers: [
        { provide: TransactionHost, useValue: transactions },
        { provide: LOGGER, useValue: silentLogger() },
        { provide: PROBE, useValue: probe },
      ],
      exports: [TransactionHost, LOGGER, PROBE],
    };
  }
}

@Module({})
class ProbeAppModule {
  static with(transactions: TransactionHost, probe: ProbeControls, idempotency: IdempotencyModuleOptions, providers: Provider[]): DynamicModule {
    return {
      module: ProbeAppModule,
      imports: [ProbeInfrastructure.with(transactions, probe), IdempotencyModule.forService({ env: {}, ...idempotency })],
      controllers: [ProbeController],
      providers,
    };
  }
}

export const probeMigrations = [CreateProbeOrders1734500000001];

export interface ProbeApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly probe: ProbeControls;
  readonly transactions: TransactionHost;
  /** Rows the routes inserted. */
  orders(): Promise<number>;
  /** POSTs `body` (JSON) to `path` as `user` (or anonymously with `null`), with `key` as Idempotency-Key unless undefined. */
  post(path: string, body: unknown, options?: { key?: string; user?: string | null; headers?: Record<string, string> }): Promise<Answer>;
  close(): Promise<void>;
}

/** An answer, read whole. */
export interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly replayed: string | null;
  readonly retryAfter: string | null;
  readonly body: string;
  json(): Record<string, unknown>;
}

/**
 * Starts the probe service on `dataSource` (migrated with `idempotencyMigrations` and
 * `probeMigrations`); `providers` go into its module (e.g. `scheduledJobs(...)`).
 */
export async function startProbeApp(
  dataSource: DataSource,
  idempotency: IdempotencyModuleOptions & { clock?: Clock } = {},
  providers: Provider[] = [],
): Promise<ProbeApp> {
  const transactions = new TransactionHost(dataSource);
  const probe = new ProbeControls();
  const module = ProbeAppModule.with(transactions, probe, { clock: new ManualClock(new Date()), ...idempotency }, providers);
  const app = await NestFactory.create<NestFastifyApplication>(module, createHttpAdapter(), { bodyParser: false, logger: false, abortOnError: false });
  configureHttpApp(app, {
    service: 'probe',
    logger: silentLogger(),
    gatewayOnly: new InternalTokenVerifier(SECRET, 'probe'),
    domainErrorStatus: { SOLD_OUT: 409, NOT_YET: 404 },
  });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    probe,
    transactions,
    orders: async () => {
      const [row] = await dataSource.query<Array<{ n: string | number }>>(`SELECT COUNT(*) AS n FROM probe_order`);
      return Number(row?.n ?? 0);
    },
    post: async (path, body, options = {}) => {
      const user = options.user === undefined ? 'u-1' : options.user;
      const token = issuer.issue({ audience: 'probe', method: 'POST', path }, user === null ? undefined : { userId: user, roles: ['customer'] });
      const headers: Record<string, string> = { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token, ...options.headers };
      if (options.key !== undefined) headers['idempotency-key'] = options.key;
      const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await response.text();
      return {
        status: response.status,
        contentType: response.headers.get('content-type'),
        replayed: response.headers.get('idempotent-replayed'),
        retryAfter: response.headers.get('retry-after'),
        body: text,
        json: () => JSON.parse(text) as Record<string, unknown>,
      };
    },
    close: () => app.close(),
  };
}

/** A promise and its resolver: a gate a test opens when it chooses. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
