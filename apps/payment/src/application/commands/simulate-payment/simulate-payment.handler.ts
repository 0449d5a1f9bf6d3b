import { Inject, Injectable, Optional } from '@nestjs/common';
import { assertUuid, canonicalId } from '@shop/shared-kernel';
import { AlreadySettledError, PaymentNotFoundError, SandboxDisabledError } from '../../../domain/payment.errors.js';
import type { Payment } from '../../../domain/payment.js';
import { NO_PROVIDER } from '../../../domain/payment-status.js';
import { PAYMENT_REPOSITORY, PAYMENT_RULES, SANDBOX_CONTROL, type PaymentRules } from '../../payment.di-tokens.js';
import type { PaymentRepository } from '../../ports/payment.repository.js';
import type { SandboxControl } from '../../ports/sandbox-control.js';
import type { SimulatePaymentCommand, SimulatePaymentResult } from './simulate-payment.command.js';

/**
 * Whether the sandbox may be asked: the payment is PENDING here, or the simulation repeats how it was settled
 * at the sandbox (a success of a captured payment, a failure of a declined or expired one: the sandbox sends
 * its callback again, a duplicate, and takes its `refunds` setting). A payment settled the other way, or
 * that no sandbox charge stands behind (settled free; FAILED when it was created, the provider failing), is
 * ALREADY_SETTLED as GET shows it, the sandbox not asked.
 */
function canStillBeSimulated(payment: Payment, outcome: 'success' | 'failure'): boolean {
  if (payment.status === 'PENDING') return true;
  if (payment.provider === NO_PROVIDER || payment.failureReason === 'PROVIDER_ERROR') return false;
  return outcome === 'success' ? payment.captured : payment.status === 'FAILED';
}

/**
 * The sandbox's stand-in for a customer at a real provider: settles one of the caller's payments there
 * (pay or fail) and, unless withheld, the provider calls back after this answer; the callback, not this
 * use case, changes the payment. SANDBOX_DISABLED where no sandbox runs (checked first: nothing about the
 * payment is read); another customer's payment is PAYMENT_NOT_FOUND, as a missing one; a payment settled
 * here the other way, or with no sandbox charge behind it, is ALREADY_SETTLED before the sandbox is asked
 * (`canStillBeSimulated`). Simulating again the way the sandbox settled it sends its callback again (a
 * withheld one, or a duplicate) and changes its refunds setting. The sandbox is called outside any
 * transaction.
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
    if (!canStillBeSimulated(payment, command.outcome)) throw new AlreadySettledError(paymentId, payment.status);
    const request = { outcome: command.outcome, callback: command.callback ?? 'send', refunds: command.refunds ?? 'accept' } as const;
    await this.sandbox.simulate(paymentId, request);
    return { paymentId, ...request };
  }
}
