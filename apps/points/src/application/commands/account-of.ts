import type { OrderPoints } from '../../domain/order-points.js';
import type { PointsAccount } from '../../domain/points-account.js';
import type { PointsAccountRepository } from '../ports/points-account.repository.js';

/**
 * The locked account of a user whose order froze points. It exists whenever the order froze some (the
 * freeze was written with it); its absence is a broken store, not a message to answer.
 */
export async function accountOf(accounts: PointsAccountRepository, order: OrderPoints): Promise<PointsAccount> {
  const account = order.userId === null ? null : await accounts.findForUpdate(order.userId);
  if (!account) throw new Error(`order ${order.orderId} (${order.status}) holds points of user ${order.userId ?? '?'}, who has no points account`);
  return account;
}
