import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TransactionHost } from '@shop/persistence';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { EVENT_OUTBOX, systemClock, type Clock, type EventOutbox } from '@shop/shared-kernel';
import { ClaimCouponHandler } from './application/commands/claim-coupon/claim-coupon.handler.js';
import { ConfirmCouponUseHandler } from './application/commands/confirm-coupon-use/confirm-coupon-use.handler.js';
import { CreateCouponTemplateHandler } from './application/commands/create-coupon-template/create-coupon-template.handler.js';
import { ExpireCouponsHandler } from './application/commands/expire-coupons/expire-coupons.handler.js';
import { GrantWelcomeCouponsHandler } from './application/commands/grant-welcome-coupons/grant-welcome-coupons.handler.js';
import { PauseCouponTemplateHandler } from './application/commands/pause-coupon-template/pause-coupon-template.handler.js';
import { ReleaseCouponForOrderHandler } from './application/commands/release-coupon-for-order/release-coupon-for-order.handler.js';
import { ReserveCouponForOrderHandler } from './application/commands/reserve-coupon-for-order/reserve-coupon-for-order.handler.js';
import { ResumeCouponTemplateHandler } from './application/commands/resume-coupon-template/resume-coupon-template.handler.js';
import { ReturnCouponAfterRefundHandler } from './application/commands/return-coupon-after-refund/return-coupon-after-refund.handler.js';
import {
  COUPON_CLOCK,
  COUPON_EXPIRY,
  COUPON_QUERIES,
  COUPON_RESERVATION_REPOSITORY,
  COUPON_REPOSITORY,
  COUPON_TEMPLATE_REPOSITORY,
} from './application/coupon.di-tokens.js';
import { ListClaimableCouponTemplatesHandler } from './application/queries/list-claimable-coupon-templates/list-claimable-coupon-templates.handler.js';
import { ListCouponTemplatesHandler } from './application/queries/list-coupon-templates/list-coupon-templates.handler.js';
import { ListMyCouponsHandler } from './application/queries/list-my-coupons/list-my-coupons.handler.js';
import { SoldOutTemplates } from './application/sold-out-templates.js';
import { COUPON_CONFIG, type CouponConfig } from './infrastructure/coupon.config.js';
import { couponMigrations } from './infrastructure/migrations/index.js';
import { SqlCouponExpiry } from './infrastructure/persistence/sql-coupon-expiry.js';
import { SqlCouponQueries } from './infrastructure/persistence/sql-coupon-queries.js';
import { TypeOrmCouponReservationRepository } from './infrastructure/persistence/typeorm-coupon-reservation.repository.js';
import { TypeOrmCouponTemplateRepository } from './infrastructure/persistence/typeorm-coupon-template.repository.js';
import { TypeOrmCouponRepository } from './infrastructure/persistence/typeorm-coupon.repository.js';
import { ExpireCouponsJob } from './infrastructure/scheduling/expire-coupons.job.js';
import { couponEventControllers, couponHttpControllers } from './interface/coupon.controllers.js';

const commandHandlers: Provider[] = [
  CreateCouponTemplateHandler,
  PauseCouponTemplateHandler,
  ResumeCouponTemplateHandler,
  ClaimCouponHandler,
  GrantWelcomeCouponsHandler,
  ReserveCouponForOrderHandler,
  ReleaseCouponForOrderHandler,
  ConfirmCouponUseHandler,
  ReturnCouponAfterRefundHandler,
  ExpireCouponsHandler,
];
const queryHandlers: Provider[] = [ListCouponTemplatesHandler, ListClaimableCouponTemplatesHandler, ListMyCouponsHandler];

const repositories: Provider[] = [
  {
    provide: COUPON_TEMPLATE_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmCouponTemplateRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
  {
    provide: COUPON_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox, clock: Clock) => new TypeOrmCouponRepository(transactions, outbox, clock),
    inject: [TransactionHost, EVENT_OUTBOX, COUPON_CLOCK],
  },
  {
    provide: COUPON_RESERVATION_REPOSITORY,
    useFactory: (transactions: TransactionHost, outbox: EventOutbox) => new TypeOrmCouponReservationRepository(transactions, outbox),
    inject: [TransactionHost, EVENT_OUTBOX],
  },
];

const adapters: Provider[] = [
  { provide: COUPON_EXPIRY, useFactory: (transactions: TransactionHost) => new SqlCouponExpiry(transactions), inject: [TransactionHost] },
  { provide: COUPON_QUERIES, useFactory: (transactions: TransactionHost) => new SqlCouponQueries(transactions), inject: [TransactionHost] },
  { provide: COUPON_CLOCK, useValue: systemClock },
  // One per instance: what this instance has seen sold out (the database stays the source of truth).
  SoldOutTemplates,
];

/** The composition root of the coupon context: the only place that wires its layers together. */
@Module({})
export class CouponModule {
  static forRoot(runtime: ServiceRuntime, config: CouponConfig): DynamicModule {
    return contextModule(CouponModule, runtime, {
      // None: every repository and query is plain SQL over the migrations' tables.
      entities: [],
      migrations: couponMigrations,
      controllers: [...couponHttpControllers, ...couponEventControllers],
      providers: [{ provide: COUPON_CONFIG, useValue: config }, ...repositories, ...adapters, ...commandHandlers, ...queryHandlers],
      jobs: [ExpireCouponsJob],
      // POST /admin/coupon-templates honours Idempotency-Key.
      idempotency: true,
    });
  }
}
