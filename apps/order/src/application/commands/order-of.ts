import { canonicalId } from '@shop/shared-kernel';
import type { Order } from '../../domain/order.js';
import { OrderNotFoundError } from '../../domain/order.errors.js';
import { orderViewOf, type OrderView } from '../order.presenters.js';
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

/**
 * One step on one order by a person (a customer's cancel, confirmation or refund request, an admin's
 * fulfilment step): the order locked and, with a `userId`, only if it is theirs; `step` applied; saved
 * with its events; answered as the HTTP routes show it. The caller runs it inside its unit of work.
 */
export async function changedOrder(orders: OrderRepository, orderId: string, userId: string | null, step: (order: Order) => void): Promise<OrderView> {
  const order = await orderOf(orders, orderId, userId);
  step(order);
  await orders.save(order);
  return orderViewOf(order.toSnapshot());
}
