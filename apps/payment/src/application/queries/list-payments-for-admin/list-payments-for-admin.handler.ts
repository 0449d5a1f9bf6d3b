import { Inject, Injectable } from '@nestjs/common';
import { PAYMENT_LIST_LIMIT } from '@shop/contracts';
import { InvalidValueError, pageLimit } from '@shop/shared-kernel';
import { PAYMENT_STATUSES } from '../../../domain/payment-status.js';
import { PAYMENT_QUERIES } from '../../payment.di-tokens.js';
import type { PaymentQueries } from '../../ports/payment.queries.js';
import { decodePaymentCursor, encodePaymentCursor } from '../page-cursors.js';
import type { ListPaymentsForAdminQuery, ListPaymentsForAdminResult } from './list-payments-for-admin.query.js';

/**
 * Every payment (or those in one status: REFUNDING lists the refunds not given back yet, with their
 * attempts, last error and next try), newest first, a page at a time (keyset paging: stable while
 * payments are made). The cursor keeps no filter: the next page's request names the status again.
 */
@Injectable()
export class ListPaymentsForAdminHandler {
  constructor(@Inject(PAYMENT_QUERIES) private readonly queries: PaymentQueries) {}

  async execute(query: ListPaymentsForAdminQuery): Promise<ListPaymentsForAdminResult> {
    const limit = pageLimit(query.limit, PAYMENT_LIST_LIMIT);
    if (query.status !== undefined && !PAYMENT_STATUSES.includes(query.status))
      throw new InvalidValueError('status', `must be one of ${PAYMENT_STATUSES.join(', ')}, got ${String(query.status)}`);
    const cursor = query.cursor === null ? null : decodePaymentCursor(query.cursor);
    const page = await this.queries.listForAdmin({ ...(query.status === undefined ? {} : { status: query.status }), cursor, limit });
    return { items: page.items, nextCursor: page.nextCursor === null ? null : encodePaymentCursor(page.nextCursor) };
  }
}
