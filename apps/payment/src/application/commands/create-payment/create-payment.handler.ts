import { Inject, Injectable } from '@nestjs/common';
import { assertUuid, messageOf, newId, sleep, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { OrderNotFoundError, OrderNotPayableError, PaymentInProgressError } from '../../../domain/payment.errors.js';
import { Payment } from '../../../domain/payment.js';
import { PAYABLE_ORDER_REPOSITORY, PAYMENT_CLOCK, PAYMENT_PROVIDER, PAYMENT_REPOSITORY, PAYMENT_RULES, type PaymentRules } from '../../payment.di-tokens.js';
import { paymentViewOf, type PaymentView } from '../../payment.presenters.js';
import type { PayableOrderRepository } from '../../ports/payable-order.repository.js';
import type { PaymentProvider } from '../../ports/payment-provider.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { paymentOf } from '../payment-of.js';
import { callProvider } from '../provider-call.js';
import type { CreatePaymentCommand, CreatePaymentResult } from './create-payment.command.js';

/** The first wait for an order not heard of yet, doubled after each look up to LONGEST_POLL_MS. */
const FIRST_POLL_MS = 10;
const LONGEST_POLL_MS = 100;

/**
 * A customer starts paying for their order. Refused, with nothing stored: an order not heard of or not
 * theirs (ORDER_NOT_FOUND), not awaiting payment or past its deadline or paid for already (NOT_PAYABLE),
 * a payment of it still PENDING (PAYMENT_IN_PROGRESS; two at once: the order's row lock makes the second
 * wait and find the first, and the store's unique index backs it).
 *
 * The PENDING payment commits BEFORE the provider is called, and the provider is called outside any
 * transaction: a provider that took the charge always finds our payment (its callback and reconciliation
 * settle it), and a slow provider never holds a connection or the order's lock. The provider is waited
 * for `providerTimeoutMs` at most. When it fails, refuses or does not answer in time, the attempt is
 * FAILED (PROVIDER_ERROR, payment.failed.v1) and answered as such, like any attempt that failed: the
 * attempt exists and failed, the customer starts a new one (a new Idempotency-Key). No provider trouble
 * is an error of this service (the gateway would count it against the whole service). Had the provider
 * created it after all, its success callback is still applied (FAILED → SUCCEEDED).
 *
 * An order not heard of yet is waited for, up to `orderArrivalWaitMs`, before ORDER_NOT_FOUND: the order
 * service answers the order AWAITING_PAYMENT (and its customer pays) a moment before its
 * `order.awaiting-payment.v1` reaches us. The wait reads the projection unlocked (`find`), at growing
 * intervals, outside any transaction, then starts over once the order is there. Only an order never heard
 * of waits: a known order of another user is ORDER_NOT_FOUND at once, like every other refusal.
 *
 * It refuses to run inside a transaction of someone else's, where the PENDING payment could not commit
 * first (POST /payments is `@Idempotent({ transaction: 'own' })`: its answer is stored after it returns).
 */
@Injectable()
export class CreatePaymentHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYABLE_ORDER_REPOSITORY) private readonly orders: PayableOrderRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
    @Inject(PAYMENT_RULES) private readonly rules: PaymentRules,
  ) {}

  async execute(command: CreatePaymentCommand): Promise<CreatePaymentResult> {
    const userId = assertUuid('userId', command.userId);
    const orderId = assertUuid('orderId', command.orderId);
    if (this.unitOfWork.inTransaction) throw new Error('CreatePaymentHandler commits the payment before it calls the provider: run it outside any transaction');
    let payment = await this.start(userId, orderId);
    if (payment === 'not heard of' && (await this.orderArrives(orderId))) payment = await this.start(userId, orderId);
    if (payment === 'not heard of') throw new OrderNotFoundError(orderId);
    return this.openAtProvider(payment);
  }

  /** The PENDING payment started and committed, or 'not heard of' (nothing stored) when the order is not in the projection. */
  private start(userId: string, orderId: string): Promise<Payment | 'not heard of'> {
    return this.unitOfWork.run(async () => {
      const order = await this.orders.findForUpdate(orderId);
      if (!order) return 'not heard of' as const;
      const now = this.clock.now();
      order.assertPayableBy(userId, now);
      if (await this.payments.hasSucceededPayment(orderId)) throw new OrderNotPayableError(orderId, 'a payment of it succeeded already');
      const pending = await this.payments.pendingOfOrder(orderId);
      if (pending) throw new PaymentInProgressError(orderId, pending.id);
      const started = Payment.start({ id: newId(), orderId, userId, amount: order.payable, provider: this.provider.name, at: now });
      await this.payments.save(started);
      return started;
    });
  }

  /**
   * Whether the order turns up in the projection within `orderArrivalWaitMs` (real time, like the provider's
   * timeout: an operational bound, not the business clock). Polls read-only, 10 ms apart at first, doubling
   * up to 100 ms, holding no transaction or lock while it sleeps.
   */
  private async orderArrives(orderId: string): Promise<boolean> {
    const deadline = performance.now() + this.rules.orderArrivalWaitMs;
    for (let intervalMs = FIRST_POLL_MS; ; intervalMs = Math.min(intervalMs * 2, LONGEST_POLL_MS)) {
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) return false;
      await sleep(Math.min(intervalMs, leftMs));
      if ((await this.orders.find(orderId)) !== null) return true;
    }
  }

  /** The committed PENDING payment opened at the provider (outside any transaction), and the outcome recorded. */
  private async openAtProvider(payment: Payment): Promise<PaymentView> {
    let providerPaymentId: string;
    try {
      const request = { paymentId: payment.id, userId: payment.userId, amount: payment.amount, currency: payment.currency };
      const answer = await callProvider(this.rules.providerTimeoutMs, (options) => this.provider.createPayment(request, options));
      if (typeof answer?.providerPaymentId !== 'string' || answer.providerPaymentId.length === 0 || answer.providerPaymentId.length > 200)
        throw new Error('the provider answered without a providerPaymentId');
      providerPaymentId = answer.providerPaymentId;
    } catch (error) {
      // FAILED unless a callback got in first and settled it (the provider did create it after all): the answer says how it went.
      return this.unitOfWork.run(async () => {
        const stored = await paymentOf(this.payments, payment.id);
        if (stored.fail({ reason: 'PROVIDER_ERROR', detail: messageOf(error), at: this.clock.now() }) === 'failed') await this.payments.save(stored);
        return paymentViewOf(stored.toSnapshot());
      });
    }
    return this.unitOfWork.run(async () => {
      const stored = await paymentOf(this.payments, payment.id);
      if (stored.recordProviderPayment(providerPaymentId) === 'recorded') await this.payments.save(stored);
      return paymentViewOf(stored.toSnapshot());
    });
  }
}
