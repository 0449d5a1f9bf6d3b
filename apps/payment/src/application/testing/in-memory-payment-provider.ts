import type { UnitOfWork } from '@shop/shared-kernel';
import { AlreadySettledError, PaymentNotFoundError } from '../../domain/payment.errors.js';
import type { PaymentProvider, ProviderCallOptions, ProviderPaymentState, ProviderRefundResult } from '../ports/payment-provider.js';
import type { SandboxControl, SandboxSimulationRequest } from '../ports/sandbox-control.js';

export interface ProviderCharge {
  readonly paymentId: string;
  readonly providerPaymentId: string;
  readonly amount: number;
  readonly currency: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  refunds: 'accept' | 'refuse';
  /** The refund ids it gave money back for (idempotent on each). */
  readonly refunded: Set<string>;
}

/** A report the provider would send: what the fixture signs and delivers. */
export interface ProviderReport {
  readonly paymentId: string;
  readonly type: 'payment.succeeded' | 'payment.failed';
}

type Operation = 'createPayment' | 'queryPayment' | 'cancelPayment' | 'refundPayment' | 'simulate';

/**
 * A payment provider (and the sandbox's hand settlement) in memory, for the application specs: charges
 * keyed by our payment id, idempotent as the port requires. Each call is recorded with whether it ran
 * inside a transaction (`callsInTransaction` must stay 0: the provider is never called inside one).
 * `failNext(operation)` makes the next call of an operation throw (a transient failure);
 * `createsThenFails` makes `createPayment` create the charge and then throw (the answer lost);
 * `hangNext(operation)` makes the next call of an operation never answer: it rejects once its signal is
 * aborted (as an adapter honouring it does), or never at all (`{ ignoringSignal: true }`).
 * Callbacks are queued (`reports`), never sent by themselves: the fixture delivers them when a test says.
 */
export class InMemoryPaymentProvider implements PaymentProvider, SandboxControl {
  readonly name = 'sandbox';
  readonly charges = new Map<string, ProviderCharge>();
  readonly calls: Array<{ operation: Operation; paymentId: string; inTransaction: boolean; signal: AbortSignal | undefined }> = [];
  /** Callbacks the provider owes (simulated settlements not withheld), oldest first. */
  reports: ProviderReport[] = [];
  createsThenFails = false;
  /** What queryPayment answers about a charge's amount, to stage a provider that reports another one. */
  reportedAmount: number | undefined;
  private readonly failures = new Map<Operation, Error>();
  private readonly hangs = new Map<Operation, { ignoringSignal: boolean }>();
  private sequence = 0;

  constructor(private readonly unitOfWork: UnitOfWork) {}

  failNext(operation: Operation, error: Error = new Error(`${operation}: the provider timed out`)): void {
    this.failures.set(operation, error);
  }

  /** The next call of `operation` never answers: it rejects when its signal aborts, or (ignoring it) never. */
  hangNext(operation: Operation, options: { ignoringSignal?: boolean } = {}): void {
    this.hangs.set(operation, { ignoringSignal: options.ignoringSignal ?? false });
  }

  /** Forgets the failures and hangs set up and not used yet. */
  clearFailures(): void {
    this.failures.clear();
    this.hangs.clear();
  }

  get callsInTransaction(): number {
    return this.calls.filter((call) => call.inTransaction).length;
  }

  async createPayment(
    request: { paymentId: string; userId: string; amount: number; currency: string },
    options: ProviderCallOptions,
  ): Promise<{ providerPaymentId: string }> {
    await this.enter('createPayment', request.paymentId, options);
    const existing = this.charges.get(request.paymentId);
    const charge = existing ?? {
      paymentId: request.paymentId,
      providerPaymentId: `sbx_${++this.sequence}`,
      amount: request.amount,
      currency: request.currency,
      status: 'PENDING' as const,
      refunds: 'accept' as const,
      refunded: new Set<string>(),
    };
    this.charges.set(request.paymentId, charge);
    if (this.createsThenFails) throw new Error('createPayment: the answer was lost');
    return { providerPaymentId: charge.providerPaymentId };
  }

  async queryPayment(paymentId: string, options: ProviderCallOptions): Promise<ProviderPaymentState> {
    await this.enter('queryPayment', paymentId, options);
    const charge = this.charges.get(paymentId);
    if (!charge) return { status: 'UNKNOWN' };
    const status = charge.status === 'CANCELLED' ? 'FAILED' : charge.status;
    return { status, providerPaymentId: charge.providerPaymentId, amount: this.reportedAmount ?? charge.amount, currency: charge.currency };
  }

  async cancelPayment(paymentId: string, options: ProviderCallOptions): Promise<'cancelled' | 'already-succeeded' | 'already-failed'> {
    await this.enter('cancelPayment', paymentId, options);
    const charge = this.charges.get(paymentId);
    if (!charge) return 'cancelled';
    if (charge.status === 'SUCCEEDED') return 'already-succeeded';
    if (charge.status === 'FAILED') return 'already-failed';
    charge.status = 'CANCELLED';
    return 'cancelled';
  }

  async refundPayment(
    request: { paymentId: string; refundId: string; amount: number; currency: string },
    options: ProviderCallOptions,
  ): Promise<ProviderRefundResult> {
    await this.enter('refundPayment', request.paymentId, options);
    const charge = this.charges.get(request.paymentId);
    if (!charge || charge.status !== 'SUCCEEDED') return { outcome: 'refused', reason: 'no such captured charge' };
    if (request.amount !== charge.amount) return { outcome: 'refused', reason: 'partial refunds are not supported' };
    if (charge.refunded.has(request.refundId)) return { outcome: 'refunded' };
    if (charge.refunds === 'refuse') return { outcome: 'refused', reason: 'the sandbox refuses this charge’s refunds' };
    charge.refunded.add(request.refundId);
    return { outcome: 'refunded' };
  }

  async simulate(paymentId: string, request: SandboxSimulationRequest): Promise<'settled' | 'resent'> {
    await this.enter('simulate', paymentId, undefined);
    const charge = this.charges.get(paymentId);
    if (!charge) throw new PaymentNotFoundError(paymentId);
    const settledAs = request.outcome === 'success' ? 'SUCCEEDED' : 'FAILED';
    const type = request.outcome === 'success' ? 'payment.succeeded' : 'payment.failed';
    charge.refunds = request.refunds;
    if (charge.status === settledAs) {
      if (request.callback === 'send') this.reports.push({ paymentId, type });
      return 'resent';
    }
    if (charge.status !== 'PENDING') throw new AlreadySettledError(paymentId, charge.status);
    charge.status = settledAs;
    if (request.callback === 'send') this.reports.push({ paymentId, type });
    return 'settled';
  }

  /** A charge settled at the provider as if the customer had paid (or failed) there, with no callback. */
  settle(paymentId: string, status: 'SUCCEEDED' | 'FAILED'): void {
    const charge = this.charges.get(paymentId);
    if (!charge) throw new Error(`no charge ${paymentId}`);
    charge.status = status;
  }

  /** How many refund ids gave money back for the payment (more than one would be a double refund). */
  refundsOf(paymentId: string): number {
    return this.charges.get(paymentId)?.refunded.size ?? 0;
  }

  private async enter(operation: Operation, paymentId: string, options: ProviderCallOptions | undefined): Promise<void> {
    this.calls.push({ operation, paymentId, inTransaction: this.unitOfWork.inTransaction, signal: options?.signal });
    const failure = this.failures.get(operation);
    if (failure) {
      this.failures.delete(operation);
      throw failure;
    }
    const hang = this.hangs.get(operation);
    if (hang) {
      this.hangs.delete(operation);
      await new Promise<never>((_, reject) => {
        const signal = options?.signal;
        if (hang.ignoringSignal || !signal) return;
        signal.addEventListener('abort', () => reject(signal.reason ?? new Error('aborted')), { once: true });
      });
    }
  }
}
