import { canonicalId } from '@shop/shared-kernel';
import type { Order } from '../../domain/order.js';
import { OrderNotFoundError } from '../../domain/order.errors.js';
import type { OrderRepository } from '../ports/order.repository.js';

/**
 * The order, locked for the transaction; with a `userId`, only if it is theirs: another customer's order
 * is ORDER_NOT_FOUND, as a missing one is, so nobody learns that it exists.
 */
export async function orderOf(orders: OrderRepository, orderId: string, userId: string | null = null): Promise<Order> {
  const order = await orders.findForUpdate(orderId);
  if (!order || (userId !== null && order.userId !== canonicalId(userId))) throw new OrderNotFoundError(orderId);
  return order;
}
