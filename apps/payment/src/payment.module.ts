import { Module, type DynamicModule } from '@nestjs/common';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { paymentMigrations } from './infrastructure/migrations/index.js';
import { PAYMENT_CONFIG, type PaymentConfig } from './infrastructure/payment.config.js';

/** The composition root of the payment context: the only place that wires its layers together. */
@Module({})
export class PaymentModule {
  static forRoot(runtime: ServiceRuntime, config: PaymentConfig): DynamicModule {
    return contextModule(PaymentModule, runtime, {
      // None: every repository and query is plain SQL over the migrations' tables.
      entities: [],
      migrations: paymentMigrations,
      controllers: [],
      providers: [{ provide: PAYMENT_CONFIG, useValue: config }],
      jobs: [],
      // POST /payments honours Idempotency-Key.
      idempotency: true,
    });
  }
}
