import type { Logger } from '@shop/observability';
import type { ClosePaymentForOrderResult } from '../../application/commands/close-payment-for-order/close-payment-for-order.command.js';

/**
 * One line per order cancelled or paid (`what` names the event: 'order cancelled', 'order paid'), by
 * what it did to the projection of payable orders. All three are the saga working: a close that overtook
 * the order's awaiting (no awaiting was heard of yet), and a repeat or a second word after the first.
 */
export function logPaymentClosed(logger: Logger, outcome: ClosePaymentForOrderResult, fields: Record<string, unknown>, what: string): void {
  if (outcome === 'closed') logger.info(fields, `${what}: it can no longer be paid`);
  else if (outcome === 'closed-before-seen') logger.info(fields, `${what} before it was heard to await payment: closed ahead, a late awaiting opens nothing`);
  else logger.info(fields, `${what}, but it was closed already: nothing changed`);
}
