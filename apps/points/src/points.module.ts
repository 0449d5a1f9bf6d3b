import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TransactionHost } from '@shop/persistence';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { EVENT_OUTBOX, systemClock, type EventOutbox } from '@shop/shared-kernel';
import { ConfirmPointsForOrderHandler } from './application/commands/confirm-points-for-order/confirm-points-for-order.handler.js';
import { GrantSignupBonusHandler } from './application/commands/grant-signup-bonus/grant-signup-bonus.handler.js';
import { ReconcilePointsBalancesHandler } from './application/commands/reconcile-points-balances/reconcile-points-balances.handler.js';
import { ReleasePointsForOrderHandler } from './application/commands/release-points-for-order/release-points-for-order.handler.js';
import { ReservePointsForOrderHandler } from './application/commands/reserve-points-for-order/reserve-points-for-order.handler.js';
import { ReturnPointsForRefundedOrderHandler } from './application/commands/return-points-for-refunded-order/return-points-for-refunded-order.handler.js';
import {
  ORDER_POINTS_REPOSITORY,
  POINTS_ACCOUNT_REPOSITORY,
  POINTS_CLOCK,
  POINTS_QUERIES,
  POINTS_RECONCILIATION,
  POINTS_RULES,
  type PointsRules,
} from './application/points.di-tokens.js';
import { GetMyPointsHandler } from './application/queries/get-my-points/get-my-points.handler.js';
import { ListMyPointsLedgerHandler } from './application/queries/list-my-points-ledger/list-my-points-ledger.handler.js';
import { pointsMigrations } from './infrastructure/migrations/index.js';
import { SqlPointsQueries } from './infrastructure/persistence/sql-points-queries.js';
import { SqlPointsReconciliation } from './infrastructure/persistence/sql-points-reconciliation.js';
import { TypeOrmOrderPointsRepository } from './infrastructure/persistence/typeorm-order-points.repository.js';
import { TypeOrmPointsAccountRepository } from './infrastructure/persistence/typeorm-points-account.repository.js';
import { POINTS_CONFIG, type PointsConfig } from './infrastructure/points.config.js';
import { PointsMetrics } from './infrastructure/reconciliation/points-metrics.js';
import { ReconcilePointsJob } from './infrastructure/scheduling/reconcile-points.job.js';
import { pointsEventControllers, pointsHttpControllers } from './interface/points.controllers.js';

const commandHandlers: Provider[] = [
  GrantSignupBonusHandler,
  ReservePointsForOrderHandler,
  ReleasePointsForOrderHandler,
  ConfirmPointsForOrderHandler,
  ReturnPointsForRefundedOrderHandler,
  ReconcilePointsBalancesHandler,
];
const queryHandlers: Provider[] = [GetMyPointsHandler, ListMyPointsLedgerHandler];

const repositories: Provider[] = [
  {
    provide: POINTS_ACCOUNT_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmPointsAccountRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
  {
    provide: ORDER_POINTS_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmOrderPointsRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
];

const adapters: Provider[] = [
  { provide: POINTS_QUERIES, useFactory: (transactions: TransactionHost) => new SqlPointsQueries(transactions), inject: [TransactionHost] },
  { provide: POINTS_RECONCILIATION, useFactory: (transactions: TransactionHost) => new SqlPointsReconciliation(transactions), inject: [TransactionHost] },
  { provide: POINTS_CLOCK, useValue: systemClock },
];

/** The composition root of the points context: the only place that wires its layers together. */
@Module({})
export class PointsModule {
  static forRoot(runtime: ServiceRuntime, config: PointsConfig): DynamicModule {
    // One per service instance (the embedded process starts several contexts, each its own registry).
    const metrics = new PointsMetrics();
    const rules: PointsRules = { signupBonus: config.signupBonus };
    return contextModule(PointsModule, runtime, {
      // None: every repository and query is plain SQL over the migrations' tables.
      entities: [],
      migrations: pointsMigrations,
      controllers: [...pointsHttpControllers, ...pointsEventControllers],
      providers: [
        { provide: POINTS_CONFIG, useValue: config },
        { provide: POINTS_RULES, useValue: rules },
        { provide: PointsMetrics, useValue: metrics },
        ...repositories,
        ...adapters,
        ...commandHandlers,
        ...queryHandlers,
      ],
      jobs: [ReconcilePointsJob],
      registries: [metrics.registry],
    });
  }
}
