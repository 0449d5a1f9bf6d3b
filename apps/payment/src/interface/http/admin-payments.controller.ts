import { Controller, Get, Header, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { PAYMENT_LIST_LIMIT, AdminPaymentsQuery, type AdminPaymentPage, type AdminPaymentView } from '@shop/contracts';
import { RequiresRole, SchemaPipe, setNextPageHeaders, uuidParam, type UuidParams } from '@shop/http';
import { canonicalId } from '@shop/shared-kernel';
import type { FastifyReply } from 'fastify';
import { RetryRefundNowHandler } from '../../application/commands/retry-refund-now/retry-refund-now.handler.js';
import { ListPaymentsForAdminHandler } from '../../application/queries/list-payments-for-admin/list-payments-for-admin.handler.js';

/**
 * Payments and refunds, for admins: every payment newest first (`?status=REFUNDING` shows the refunds
 * the provider keeps refusing, with their attempts, last error and next try), and a refund retried now
 * instead of at its next backoff. The role is checked here as well as at the gateway.
 */
@Controller('admin/payments')
@RequiresRole('admin')
export class AdminPaymentsController {
  constructor(
    private readonly listPaymentsForAdmin: ListPaymentsForAdminHandler,
    private readonly retryRefundNow: RetryRefundNowHandler,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@Query(new SchemaPipe(AdminPaymentsQuery)) query: AdminPaymentsQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminPaymentPage> {
    // The schema admits only the contract's statuses, a decimal 1–max and the cursor's alphabet; the use case decodes the cursor (400 INVALID_CURSOR).
    const limit = query.limit === undefined ? PAYMENT_LIST_LIMIT.default : Number(query.limit);
    const page = await this.listPaymentsForAdmin.execute({
      ...(query.status === undefined ? {} : { status: query.status }),
      cursor: query.cursor ?? null,
      limit,
    });
    // The next page keeps the filter: without it, a page of REFUNDING payments would lead on to every payment.
    setNextPageHeaders(reply, page.nextCursor, limit, { status: query.status });
    return page.items;
  }

  /** The refund is due now (the job's next run tries it); 409 `NO_REFUND_PENDING` unless the payment is REFUNDING. */
  @Post(':paymentId/retry-refund')
  @HttpCode(HttpStatus.OK)
  retryRefund(@Param(uuidParam('paymentId')) params: UuidParams<'paymentId'>): Promise<AdminPaymentView> {
    return this.retryRefundNow.execute({ paymentId: canonicalId(params.paymentId) });
  }
}
