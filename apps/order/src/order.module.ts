import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TransactionHost } from '@shop/persistence';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { EVENT_OUTBOX, systemClock, type EventOutbox } from '@shop/shared-kernel';
import { AdvanceFulfilmentHandler } from './application/commands/advance-fulfilment/advance-fulfilment.handler.js';
import { CancelOrderHandler } from './application/commands/cancel-order/cancel-order.handler.js';
import { ConfirmReceiptHandler } from './application/commands/confirm-receipt/confirm-receipt.handler.js';
import { CreateProductHandler } from './application/commands/create-product/create-product.handler.js';
import { ExpireOverdueOrdersHandler } from './application/commands/expire-overdue-orders/expire-overdue-orders.handler.js';
import { PlaceOrderHandler } from './application/commands/place-order/place-order.handler.js';
import { RecordCouponReplyHandler } from './application/commands/record-coupon-reply/record-coupon-reply.handler.js';
import { RecordPaymentHandler } from './application/commands/record-payment/record-payment.handler.js';
import { RecordPointsReplyHandler } from './application/commands/record-points-reply/record-points-reply.handler.js';
import { RecordRefundHandler } from './application/commands/record-refund/record-refund.handler.js';
import { RequestRefundHandler } from './application/commands/request-refund/request-refund.handler.js';
import { SeedDemoCatalogHandler } from './application/commands/seed-demo-catalog/seed-demo-catalog.handler.js';
import { UpdateProductHandler } from './application/commands/update-product/update-product.handler.js';
import {
  CATALOG_QUERIES,
  CATALOG_SEED,
  ORDER_CLOCK,
  ORDER_QUERIES,
  ORDER_REPOSITORY,
  ORDER_RULES,
  PRODUCT_REPOSITORY,
  type OrderRules,
} from './application/order.di-tokens.js';
import { GetOrderHandler } from './application/queries/get-order/get-order.handler.js';
import { ListMyOrdersHandler } from './application/queries/list-my-orders/list-my-orders.handler.js';
import { ListProductsHandler } from './application/queries/list-products/list-products.handler.js';
import { orderMigrations } from './infrastructure/migrations/index.js';
import { ORDER_CONFIG, type OrderConfig } from './infrastructure/order.config.js';
import { SqlCatalogQueries } from './infrastructure/persistence/sql-catalog-queries.js';
import { SqlCatalogSeed } from './infrastructure/persistence/sql-catalog-seed.js';
import { SqlOrderQueries } from './infrastructure/persistence/sql-order-queries.js';
import { TypeOrmOrderRepository } from './infrastructure/persistence/typeorm-order.repository.js';
import { TypeOrmProductRepository } from './infrastructure/persistence/typeorm-product.repository.js';
import { ExpireOverdueOrdersJob } from './infrastructure/scheduling/expire-overdue-orders.job.js';
import { DemoCatalogSeeder } from './infrastructure/seeding/demo-catalog.seeder.js';
import { orderEventControllers, orderHttpControllers } from './interface/order.controllers.js';

const commandHandlers: Provider[] = [
  CreateProductHandler,
  UpdateProductHandler,
  SeedDemoCatalogHandler,
  PlaceOrderHandler,
  RecordCouponReplyHandler,
  RecordPointsReplyHandler,
  RecordPaymentHandler,
  RecordRefundHandler,
  CancelOrderHandler,
  ConfirmReceiptHandler,
  RequestRefundHandler,
  AdvanceFulfilmentHandler,
  ExpireOverdueOrdersHandler,
];
const queryHandlers: Provider[] = [GetOrderHandler, ListMyOrdersHandler, ListProductsHandler];

const repositories: Provider[] = [
  {
    provide: ORDER_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmOrderRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
  {
    provide: PRODUCT_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmProductRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
];

const adapters: Provider[] = [
  { provide: ORDER_QUERIES, useFactory: (transactions: TransactionHost) => new SqlOrderQueries(transactions), inject: [TransactionHost] },
  { provide: CATALOG_QUERIES, useFactory: (transactions: TransactionHost) => new SqlCatalogQueries(transactions), inject: [TransactionHost] },
  { provide: CATALOG_SEED, useFactory: (transactions: TransactionHost) => new SqlCatalogSeed(transactions), inject: [TransactionHost] },
  { provide: ORDER_CLOCK, useValue: systemClock },
];

/** The composition root of the order context: the only place that wires its layers together. */
@Module({})
export class OrderModule {
  static forRoot(runtime: ServiceRuntime, config: OrderConfig): DynamicModule {
    const rules: OrderRules = { reservationTimeoutMs: config.reservationTimeoutMs, paymentTimeoutMs: config.paymentTimeoutMs };
    return contextModule(OrderModule, runtime, {
      // None: every repository and query is plain SQL over the migrations' tables.
      entities: [],
      migrations: orderMigrations,
      controllers: [...orderHttpControllers, ...orderEventControllers],
      providers: [
        { provide: ORDER_CONFIG, useValue: config },
        { provide: ORDER_RULES, useValue: rules },
        ...repositories,
        ...adapters,
        ...commandHandlers,
        ...queryHandlers,
        // Seeds the demo catalog on the first start when ORDER_DEMO_CATALOG is on, before requests are taken.
        DemoCatalogSeeder,
      ],
      jobs: [ExpireOverdueOrdersJob],
      // POST /orders honours Idempotency-Key.
      idempotency: true,
    });
  }
}
