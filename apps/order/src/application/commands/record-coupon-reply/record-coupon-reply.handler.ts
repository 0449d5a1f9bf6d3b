import { Inject, Injectable } from '@nestjs/common';
import { canonicalId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY, ORDER_RULES, type OrderRules } from '../../order.di-tokens.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import type { RecordCouponReplyCommand, RecordCouponReplyResult } from './record-coupon-reply.command.js';

/**
 * The coupon's reservation is in (the order awaits payment once the points are too) or refused (the
 * order is cancelled with COUPON_<reason>). A reply after the decision, a repeat, or one naming another
 * coupon changes nothing ('ignored'; the last with `mismatch`). Saved only when something changed.
 */
@Injectable()
export class RecordCouponReplyHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
    @Inject(ORDER_RULES) private readonly rules: OrderRules,
  ) {}

  async execute(command: RecordCouponReplyCommand): Promise<RecordCouponReplyResult> {
    const { reply } = command;
    return this.unitOfWork.run(async () => {
      const order = await this.orders.findForUpdate(command.orderId);
      if (!order) return { outcome: 'unknown-order' };
      const couponId = canonicalId(reply.couponId);
      if (order.couponId !== couponId)
        return { outcome: 'ignored', status: order.status, mismatch: { field: 'couponId', expected: order.couponId, received: couponId } };

      const at = this.clock.now();
      const outcome =
        reply.kind === 'reserved'
          ? order.recordCouponReserved({ couponId, discount: reply.discount, at, paymentTimeoutMs: this.rules.paymentTimeoutMs })
          : order.recordCouponRejected({ couponId, reason: reply.reason, at });
      if (outcome !== 'ignored') await this.orders.save(order);
      return { outcome, status: order.status };
    });
  }
}
