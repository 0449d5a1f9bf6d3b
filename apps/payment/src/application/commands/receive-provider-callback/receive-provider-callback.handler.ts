import { Inject, Injectable } from '@nestjs/common';
import { ProviderCallback, schemaCheck } from '@shop/contracts';
import { canonicalId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { InvalidPaymentCallbackError, InvalidSignatureError } from '../../../domain/payment.errors.js';
import { verifyPaymentCallbackSignature } from '../../../domain/webhook-signature.js';
import { PAYMENT_CLOCK, PAYMENT_REPOSITORY, PAYMENT_RULES, type PaymentRules } from '../../payment.di-tokens.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import { paymentOf } from '../payment-of.js';
import type { ReceiveProviderCallbackCommand, ReceiveProviderCallbackResult } from './receive-provider-callback.command.js';

/** The callback body's contract, compiled once. */
const isProviderCallback = schemaCheck(ProviderCallback);

/** The body, parsed and checked against the contract; INVALID_PAYMENT_CALLBACK for anything else. */
function callbackOf(rawBody: Buffer): ProviderCallback {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidPaymentCallbackError([{ path: '', message: 'is not JSON' }]);
  }
  if (!isProviderCallback(body)) throw new InvalidPaymentCallbackError(isProviderCallback.problems(body));
  return body;
}

/**
 * The provider reports a payment's outcome. In this order, each step refusing before the next reads
 * anything: the signature over the raw bytes (INVALID_SIGNATURE with its reason: missing, malformed,
 * stale either way, mismatch; nothing of the body is read before it passes), the body against the
 * contract (INVALID_PAYMENT_CALLBACK), the payment (PAYMENT_NOT_FOUND, so the provider retries and someone
 * looks), a success's amount and currency (AMOUNT_MISMATCH / CURRENCY_MISMATCH: nothing changes), then its
 * state. A failure moved no money: its state alone decides, whatever amount it names.
 * Repeats and late arrivals are outcomes, not errors: the provider gets its 200 and nothing changes.
 * A replay inside the window is such a repeat.
 */
@Injectable()
export class ReceiveProviderCallbackHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_CLOCK) private readonly clock: Clock,
    @Inject(PAYMENT_RULES) private readonly rules: PaymentRules,
  ) {}

  async execute(command: ReceiveProviderCallbackCommand): Promise<ReceiveProviderCallbackResult> {
    const rawBody = Buffer.isBuffer(command.rawBody) ? command.rawBody : Buffer.alloc(0);
    const check = verifyPaymentCallbackSignature({
      secret: this.rules.webhookSecret,
      header: command.signature,
      rawBody,
      nowMs: this.clock.now().getTime(),
      toleranceMs: this.rules.webhookToleranceMs,
    });
    if (!check.valid) throw new InvalidSignatureError(check.reason);

    const callback = callbackOf(rawBody);
    const paymentId = canonicalId(callback.paymentId);
    return this.unitOfWork.run(async () => {
      const payment = await paymentOf(this.payments, paymentId);
      const at = this.clock.now();
      if (callback.type === 'payment.succeeded') {
        const { amount, currency } = callback;
        const outcome = payment.succeed({ providerPaymentId: callback.providerPaymentId, amount, currency, at });
        if (outcome === 'duplicate') return { outcome, paymentId, afterFailure: false };
        await this.payments.save(payment);
        return { outcome: 'succeeded', paymentId, afterFailure: outcome === 'succeeded-after-failure' };
      }
      // A failure moved no money: its state alone decides (its amount and currency are not checked).
      const outcome = payment.fail({ reason: 'DECLINED', detail: callback.failureReason ?? null, at });
      if (outcome === 'failed') await this.payments.save(payment);
      return { outcome, paymentId, afterFailure: false };
    });
  }
}
