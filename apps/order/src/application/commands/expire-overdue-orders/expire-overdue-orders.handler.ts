import { Inject, Injectable } from '@nestjs/common';
import { InvalidValueError, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ORDER_CLOCK, ORDER_REPOSITORY } from '../../order.di-tokens.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import type { ExpireOrderOutcome } from './expire-overdue-orders.command.js';

/**
 * The deadlines: a PENDING order whose reservations did not all come in time is cancelled with
 * RESERVATION_TIMEOUT, an AWAITING_PAYMENT one not paid in time with PAYMENT_TIMEOUT (order.cancelled.v1
 * makes the participants release). The job lists the overdue orders, then expires each in a transaction
 * of its own: the order is locked and re-read there, so a reply or a payment that got in first wins and
 * the order is simply 'not-due' any more.
 */
@Injectable()
export class ExpireOverdueOrdersHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
  ) {}

  /** The ids of at most `limit` orders due now, the oldest due first. */
  async overdue(limit: number): Promise<string[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidValueError('limit', `must be a whole number ≥ 1, got ${limit}`);
    return this.orders.overdue(this.clock.now(), limit);
  }

  async expire(orderId: string): Promise<ExpireOrderOutcome> {
    return this.unitOfWork.run(async () => {
      const order = await this.orders.findForUpdate(orderId);
      if (!order) return 'missing';
      const outcome = order.expire(this.clock.now());
      if (outcome === 'cancelled') await this.orders.save(order);
      return outcome;
    });
  }
}
