import { Inject, Injectable, Optional } from '@nestjs/common';
import { assertUuid, canonicalId } from '@shop/shared-kernel';
import { PaymentNotFoundError, SandboxDisabledError } from '../../../domain/payment.errors.js';
import { PAYMENT_REPOSITORY, PAYMENT_RULES, SANDBOX_CONTROL, type PaymentRules } from '../../payment.di-tokens.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import type { SandboxControl } from '../../ports/sandbox-control.js';
import type { SimulatePaymentCommand, SimulatePaymentResult } from './simulate-payment.command.js';

/**
 * The sandbox's stand-in for a customer at a real provider: settles one of the caller's payments there
 * (pay or fail) and, unless withheld, the provider calls back after this answer; the callback, not this
 * use case, changes the payment. SANDBOX_DISABLED where no sandbox runs (checked first: nothing about the
 * payment is read); another customer's payment is PAYMENT_NOT_FOUND, as a missing one. The sandbox is
 * called outside any transaction.
 */
@Injectable()
export class SimulatePaymentHandler {
  constructor(
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_RULES) private readonly rules: PaymentRules,
    // Bound only when the sandbox runs.
    @Optional() @Inject(SANDBOX_CONTROL) private readonly sandbox: SandboxControl | null = null,
  ) {}

  async execute(command: SimulatePaymentCommand): Promise<SimulatePaymentResult> {
    if (!this.rules.sandbox || !this.sandbox) throw new SandboxDisabledError();
    const paymentId = assertUuid('paymentId', command.paymentId);
    const payment = await this.payments.find(paymentId);
    if (!payment || payment.userId !== canonicalId(command.userId)) throw new PaymentNotFoundError(paymentId);
    const request = { outcome: command.outcome, callback: command.callback ?? 'send', refunds: command.refunds ?? 'accept' } as const;
    await this.sandbox.simulate(paymentId, request);
    return { paymentId, ...request };
  }
}
