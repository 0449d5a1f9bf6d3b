import { Inject, Injectable } from '@nestjs/common';
import type { JobRun, ScheduledJob } from '@shop/scheduler';
import { ExpireCouponsHandler } from '../../application/commands/expire-coupons/expire-coupons.handler.js';
import { COUPON_CONFIG, type CouponConfig } from '../coupon.config.js';

/**
 * `coupon.expire`: every `COUPON_EXPIRY_INTERVAL_MS`, one instance at a time across the service's
 * instances (the scheduler's lease), AVAILABLE coupons past their end become EXPIRED, at most
 * `COUPON_EXPIRY_BATCH_SIZE` per run; a full batch runs again at once. Each run is one transaction
 * that commits only while this instance still holds the lease (`JobRun.transaction`).
 */
@Injectable()
export class ExpireCouponsJob implements ScheduledJob {
  readonly name = 'coupon.expire';
  readonly intervalMs: number;
  readonly batchSize: number;

  constructor(
    private readonly expireCoupons: ExpireCouponsHandler,
    @Inject(COUPON_CONFIG) config: CouponConfig,
  ) {
    this.intervalMs = config.expiry.intervalMs;
    this.batchSize = config.expiry.batchSize;
  }

  run(run: JobRun): Promise<number> {
    return run.transaction(() => this.expireCoupons.execute({ limit: run.batchSize }));
  }
}
