import { Controller, Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Payload } from '@nestjs/microservices';
import {
  Type,
  defineEvent,
  defineSubscriptions,
  eventOf,
  publishedLanguage,
  type EventEnvelope,
  type PayloadOf,
  type SubscriptionManifest,
} from '@shop/contracts';
import { TransactionHost, dialectOf, openDataSource, type DatabaseOptions } from '@shop/persistence';
import { EVENT_OUTBOX, UNIT_OF_WORK, newId, type EventOutbox, type UnitOfWork } from '@shop/shared-kernel';
import type { Logger } from 'pino';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  HandlesEvent,
  MessagingMetrics,
  MessagingModule,
  OutboxRelay,
  connectEventConsumer,
  TRANSPORT,
  messagingMigrations,
  type OutboxRelayOptions,
  type RetryPolicy,
  type Transport,
} from '../../src/index.js';
import { silentLogger } from '@shop/observability';

/** A small service that drives the messaging library as a real context would. */
export const DepositMadeV1 = defineEvent(
  'test.deposit-made.v1',
  Type.Object(
    { accountId: Type.String({ format: 'uuid' }), amount: Type.Integer({ minimum: 1 }), sequence: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
);
export type DepositMade = PayloadOf<typeof DepositMadeV1>;

class CreateDepositTables1732000000100 implements MigrationInterface {
  name = 'CreateDepositTables1732000000100';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE deposit (id VARCHAR(36) PRIMARY KEY, account_id VARCHAR(36) NOT NULL, amount INTEGER NOT NULL, sequence INTEGER NOT NULL)`,
    );
    // One row per applied effect, deliberately without a unique key: a double effect would show.
    await runner.query(
      `CREATE TABLE effect (message_id VARCHAR(64) NOT NULL, account_id VARCHAR(36) NOT NULL, amount INTEGER NOT NULL, sequence INTEGER NOT NULL, correlation_id VARCHAR(200) NOT NULL)`,
    );
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE effect`);
    await runner.query(`DROP TABLE deposit`);
  }
}

/** What the handler should do, changed by the tests. */
@Injectable()
export class HandlerBehaviour {
  /** Amounts whose handling always fails. */
  readonly poisoned = new Set<number>();
  /** Amounts whose handling fails this many more times. */
  readonly failuresLeft = new Map<number, number>();
  readonly attemptsSeen = new Map<string, number>();
}

@Injectable()
export class DepositService {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    private readonly transactions: TransactionHost,
  ) {}

  /** Records a deposit and its event in one transaction; `failAfterWrite` rolls both back. */
  async deposit(accountId: string, amount: number, sequence = 0, options: { failAfterWrite?: boolean } = {}): Promise<string> {
    return this.unitOfWork.run(async () => {
      const id = newId();
      const p = dialectOf(this.transactions.kind).param;
      await this.transactions.manager.query(`INSERT INTO deposit (id, account_id, amount, sequence) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`, [
        id,
        accountId,
        amount,
        sequence,
      ]);
      await this.outbox.add(eventOf(DepositMadeV1, accountId, { accountId, amount, sequence }));
      if (options.failAfterWrite) throw new Error('use case failed after writing');
      return id;
    });
  }

  /** A deposit whose event payload is whatever the caller gives, valid or not. */
  async depositWithPayload(payload: Record<string, unknown>): Promise<void> {
    await this.unitOfWork.run(async () => {
      const p = dialectOf(this.transactions.kind).param;
      await this.transactions.manager.query(`INSERT INTO deposit (id, account_id, amount, sequence) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`, [
        newId(),
        newId(),
        1,
        0,
      ]);
      await this.outbox.add({ type: DepositMadeV1.type, aggregateId: newId(), payload });
    });
  }

  async depositRows(): Promise<number> {
    const [row] = (await this.transactions.dataSource.query(`SELECT COUNT(*) AS n FROM deposit`)) as Array<{ n: string | number }>;
    return Number(row?.n ?? 0);
  }

  /** Many deposits in one transaction (for load and ordering tests). */
  async depositMany(deposits: ReadonlyArray<{ accountId: string; amount: number; sequence: number }>): Promise<void> {
    await this.unitOfWork.run(() => this.outbox.add(...deposits.map((d) => eventOf(DepositMadeV1, d.accountId, d))));
  }

  async effects(): Promise<Array<{ message_id: string; account_id: string; amount: number; sequence: number; correlation_id: string }>> {
    return this.transactions.dataSource.query(`SELECT message_id, account_id, amount, sequence, correlation_id FROM effect`);
  }

  async pendingOutboxRows(): Promise<number> {
    const [row] = (await this.transactions.dataSource.query(`SELECT COUNT(*) AS n FROM outbox_pending`)) as Array<{ n: string | number }>;
    return Number(row?.n ?? 0);
  }

  async outboxRows(): Promise<number> {
    const [row] = (await this.transactions.dataSource.query(`SELECT COUNT(*) AS n FROM outbox`)) as Array<{ n: string | number }>;
    return Number(row?.n ?? 0);
  }
}

@Controller()
export class CreditAccountOnDepositMade {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly behaviour: HandlerBehaviour,
  ) {}

  @HandlesEvent(DepositMadeV1, 'credit-account-on-deposit-made')
  async handle(@Payload() envelope: EventEnvelope<DepositMade>): Promise<void> {
    const { amount, accountId, sequence } = envelope.payload;
    this.behaviour.attemptsSeen.set(envelope.id, (this.behaviour.attemptsSeen.get(envelope.id) ?? 0) + 1);
    const p = dialectOf(this.transactions.kind).param;
    // Written before failing on purpose: a failed attempt must leave nothing behind.
    await this.transactions.manager.query(
      `INSERT INTO effect (message_id, account_id, amount, sequence, correlation_id) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})`,
      [envelope.id, accountId, amount, sequence, envelope.correlationId],
    );
    if (this.behaviour.poisoned.has(amount)) throw new Error(`amount ${amount} is poisoned`);
    const left = this.behaviour.failuresLeft.get(amount) ?? 0;
    if (left > 0) {
      this.behaviour.failuresLeft.set(amount, left - 1);
      throw new Error(`amount ${amount} fails ${left} more time(s)`);
    }
  }
}

export interface DepositServiceOptions {
  readonly service: string;
  readonly database: Omit<DatabaseOptions, 'service' | 'entities' | 'migrations'>;
  readonly transport: () => Promise<Transport> | Transport;
  readonly ownsTransport: boolean;
  readonly retry?: RetryPolicy;
  readonly relay?: Partial<OutboxRelayOptions>;
  /** Start the consumer (the Nest transport strategy). */
  readonly consume?: boolean;
  readonly runRelay?: boolean;
  readonly shutdownTimeoutMs?: number;
  /** Silent by default. */
  readonly logger?: Logger;
  /** Default: this service consumes `DepositMadeV1` with the test's retry delays (`depositSubscriptions`). */
  readonly subscriptions?: SubscriptionManifest;
}

/** A manifest in which each of `services` consumes `DepositMadeV1`. */
export const depositSubscriptions = (services: readonly string[], retryDelaysMs: readonly number[] = [50, 100]): SubscriptionManifest =>
  defineSubscriptions(
    services.map((service) => ({ service, eventTypes: [DepositMadeV1.type], retryDelaysMs })),
    [...publishedLanguage, DepositMadeV1],
  );

export interface RunningDepositService {
  readonly app: INestApplication;
  readonly deposits: DepositService;
  readonly behaviour: HandlerBehaviour;
  readonly transactions: TransactionHost;
  readonly transport: Transport;
  readonly relay: OutboxRelay;
  readonly metrics: MessagingMetrics;
  close(): Promise<void>;
}

export async function startDepositService(options: DepositServiceOptions): Promise<RunningDepositService> {
  const retry = options.retry ?? { delaysMs: [50, 100] };
  @Module({
    imports: [
      MessagingModule.forService({
        service: options.service,
        dataSource: () =>
          openDataSource({
            ...options.database,
            service: options.service,
            entities: [],
            migrations: [...messagingMigrations, CreateDepositTables1732000000100],
          }),
        transport: options.transport,
        ownsTransport: options.ownsTransport,
        contracts: [...publishedLanguage, DepositMadeV1],
        retry,
        subscriptions: options.subscriptions ?? depositSubscriptions([options.service], retry.delaysMs),
        relay: { pollIntervalMs: 100, ...options.relay },
        runRelay: options.runRelay,
        shutdownTimeoutMs: options.shutdownTimeoutMs,
        logger: options.logger ?? silentLogger(),
      }),
    ],
    controllers: [CreditAccountOnDepositMade],
    providers: [DepositService, HandlerBehaviour],
  })
  class DepositTestModule {}

  // Never listens: the adapter is only what a Nest application needs to host the event consumer.
  const app = await NestFactory.create(DepositTestModule, new FastifyAdapter(), { logger: false });
  try {
    if (options.consume !== false) {
      await connectEventConsumer(app);
    }
    await app.init();
  } catch (error) {
    await app.close().catch(() => {}); // a refused start leaves no database connection behind
    throw error;
  }
  return {
    app,
    deposits: app.get(DepositService),
    behaviour: app.get(HandlerBehaviour),
    transactions: app.get(TransactionHost),
    transport: app.get<Transport>(TRANSPORT),
    relay: app.get(OutboxRelay),
    metrics: app.get(MessagingMetrics),
    close: () => app.close(),
  };
}
