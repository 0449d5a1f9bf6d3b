import { Body, Controller, Get, Header, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CreatePaymentRequest, SimulatePaymentRequest, type PaymentView, type SandboxSimulation } from '@shop/contracts';
import { CurrentIdentity, Idempotent, RequiresUser, SchemaPipe, uuidParam, type Identity, type UuidParams } from '@shop/http';
import { canonicalId } from '@shop/shared-kernel';
import { CreatePaymentHandler } from '../../application/commands/create-payment/create-payment.handler.js';
import { SimulatePaymentHandler } from '../../application/commands/simulate-payment/simulate-payment.handler.js';
import { GetPaymentHandler } from '../../application/queries/get-payment/get-payment.handler.js';

/**
 * Refusals of POST /payments that may not hold for long, so not kept with the Idempotency-Key (the same key
 * runs again): ORDER_NOT_FOUND (the order's awaiting-payment may not have arrived here yet: the projection
 * lags) and PAYMENT_IN_PROGRESS (the pending attempt settles or expires). Every other refusal is kept.
 */
export const PAYMENT_START_TRANSIENT_CODES = ['ORDER_NOT_FOUND', 'PAYMENT_IN_PROGRESS'] as const;

/**
 * A signed-in customer's payments: start one for an order awaiting payment, follow it, and (sandbox only)
 * have the sandbox provider settle it. Whose they are comes from the gateway's identity only: another
 * customer's order or payment answers 404, as one that does not exist, so nobody learns of someone else's.
 */
@Controller('payments')
@RequiresUser()
export class PaymentsController {
  constructor(
    private readonly createPayment: CreatePaymentHandler,
    private readonly getPayment: GetPaymentHandler,
    private readonly simulatePayment: SimulatePaymentHandler,
  ) {}

  /**
   * 201: the attempt, of the order's payable amount: PENDING at the provider, or FAILED (`PROVIDER_ERROR`)
   * when the provider failed, refused or did not answer within `PAYMENT_PROVIDER_TIMEOUT` (as a provider
   * answers a charge that failed: the attempt exists and failed; the customer starts a new one, with a new
   * `Idempotency-Key`). One live payment per order (409 `PAYMENT_IN_PROGRESS`), none once it is paid (409
   * `NOT_PAYABLE`). A client whose request timed out cannot tell whether it committed: retried with the same
   * `Idempotency-Key` and body it answers the first payment, not a second (a refusal of
   * `PAYMENT_START_TRANSIENT_CODES` is not kept: the same key tries again). The key's transaction is not the
   * route's (`own`): the payment must commit before the provider is called, and the provider is never called
   * inside a transaction; the answer is stored once the route has returned.
   */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Idempotent({ transaction: 'own', transientCodes: PAYMENT_START_TRANSIENT_CODES })
  create(@Body(new SchemaPipe(CreatePaymentRequest)) body: CreatePaymentRequest, @CurrentIdentity() identity: Identity): Promise<PaymentView> {
    return this.createPayment.execute({ userId: identity.userId, orderId: canonicalId(body.orderId) });
  }

  @Get(':paymentId')
  @Header('Cache-Control', 'no-store')
  get(@Param(uuidParam('paymentId')) params: UuidParams<'paymentId'>, @CurrentIdentity() identity: Identity): Promise<PaymentView> {
    return this.getPayment.execute({ paymentId: canonicalId(params.paymentId), userId: identity.userId });
  }

  /**
   * 202: the sandbox provider settles the charge and calls back after this answer (the callback, not
   * this route, settles the payment): with `callback: 'withhold'` it stays silent, so that reconciliation
   * has to find out. 404 `SANDBOX_DISABLED` where no sandbox runs.
   */
  @Post(':paymentId/simulate')
  @HttpCode(HttpStatus.ACCEPTED)
  simulate(
    @Param(uuidParam('paymentId')) params: UuidParams<'paymentId'>,
    @Body(new SchemaPipe(SimulatePaymentRequest)) body: SimulatePaymentRequest,
    @CurrentIdentity() identity: Identity,
  ): Promise<SandboxSimulation> {
    return this.simulatePayment.execute({
      userId: identity.userId,
      paymentId: canonicalId(params.paymentId),
      outcome: body.outcome,
      // The use case fills in what is not said (a callback sent, refunds accepted) and answers it.
      ...(body.callback === undefined ? {} : { callback: body.callback }),
      ...(body.refunds === undefined ? {} : { refunds: body.refunds }),
    });
  }
}
