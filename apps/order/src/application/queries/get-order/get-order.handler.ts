import { Inject, Injectable } from '@nestjs/common';
import { OrderNotFoundError } from '../../../domain/order.errors.js';
import { ORDER_QUERIES } from '../../order.di-tokens.js';
import type { OrderView } from '../../order.presenters.js';
import type { OrderQueries } from '../../ports/order.queries.js';
import type { GetOrderQuery } from './get-order.query.js';

/** One order with its items and history; another customer's order is ORDER_NOT_FOUND, as a missing one. */
@Injectable()
export class GetOrderHandler {
  constructor(@Inject(ORDER_QUERIES) private readonly queries: OrderQueries) {}

  async execute(query: GetOrderQuery): Promise<OrderView> {
    const order = await this.queries.get(query.orderId, query.userId);
    if (!order) throw new OrderNotFoundError(query.orderId);
    return order;
  }
}
