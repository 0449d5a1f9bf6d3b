import { randomBytes, randomUUID } from 'node:crypto';
import type { OnApplicationShutdown } from '@nestjs/common';
import { PAYMENT_CURRENCY, type ProviderCallback } from '@shop/contracts';
import type { Logger } from '@shop/observability';
import { dialectOf, numberOf, numberOrNull, rowsOf, type TransactionHost } from '@shop/persistence';
import { isUuid, settlesWithin, sleep, type Clock } from '@shop/shared-kernel';
import type { PaymentProvider, ProviderCallOptions, ProviderPaymentState, ProviderRefundResult } from '../../application/ports/payment-provider.js';
import type { SandboxControl, SandboxSimulationRequest } from '../../application/ports/sandbox-control.js';
import { AlreadySettledError, PaymentNotFoundError } from '../../domain/payment.errors.js';
import { signPaymentCallback } from '../../domain/webhook-signature.js';
import { SandboxCallbackRefusedError, type SandboxCallbackDelivery, type SignedSandboxCallback } from './sandbox-callback.delivery.js';

/** The provider's name on a payment (`provider` column, PaymentView.provider). */
export const SANDBOX_PROVIDER = 'sandbox';
/** The waits before the 2nd, 3rd, … try of a callback: a few, short (a callback that never arrives is what reconciliation is for). */
export const SANDBOX_CALLBACK_RETRY_DELAYS_MS: readonly number[] = [100, 500, 2_000, 5_000];
/** How long the service's stop waits for the callbacks being sent. */
export const SANDBOX_STOP_GRACE_MS = 2_000;
/** The failure the sandbox reports for a charge the customer "declined". */
const DECLINED_IN_SANDBOX = 'declined in the sandbox (simulated)';
/** A charge cancelled before any create reached the sandbox (the marker `cancelPayment` leaves): it never had an amount. */
const NEVER_OPENED = 'cancelled before it was opened';

type ChargeStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface ChargeRow {
  payment_id: string;
  provider_payment_id: string;
  amount: string | number;
  currency: string;
  status: ChargeStatus;
  refunds: 'ACCEPT' | 'REFUSE';
  failure_reason: string | null;
  callback_event_id: string | null;
  refund_id: string | null;
  refunded_at: string | number | null;
  created_at: string | number;
  settled_at: string | number | null;
}

const CHARGE_COLUMNS =
  'payment_id, provider_payment_id, amount, currency, status, refunds, failure_reason, callback_event_id, refund_id, refunded_at, created_at, settled_at';

export interface SandboxPaymentProviderOptions {
  /** `PAYMENT_WEBHOOK_SECRET`: the callbacks are signed with it, as a real provider signs with the secret it shares with us. */
  readonly webhookSecret: string;
  readonly retryDelaysMs?: readonly number[];
  /** How long the stop waits for the callbacks being sent (`SANDBOX_STOP_GRACE_MS`). */
  readonly stopGraceMs?: number;
}

/** The port's `ProviderCallOptions` (the caller stops waiting once `signal` aborts); optional here, for the sandbox's own specs and tools. */
type CallOptions = Partial<ProviderCallOptions>;

/**
 * The built-in sandbox provider (`PAYMENT_SANDBOX`): a stand-in for a real payment provider that keeps its
 * charges in its own table (`payment_sandbox_charge`) of the payment database, as a provider keeps them on
 * its side, keyed by our payment id (the merchant reference every call is idempotent on).
 *
 * `createPayment` opens a PENDING charge; `simulate` (POST /payments/{id}/simulate) is the customer at the
 * provider's page: it settles the charge, then, once that is committed and the answer is on its way,
 * sends the signed callback through `SandboxCallbackDelivery` (in-process to the callback use case, or an
 * HTTP POST), retried a few times with short waits; `callback: 'withhold'` settles without calling back
 * (a silent provider: reconciliation finds it through `queryPayment`). Re-simulating with the same outcome
 * sends the same callback again (a duplicate, same `eventId`); the other outcome is ALREADY_SETTLED.
 * Refunds are accepted, or refused while the charge says `refunds: 'refuse'` (the refund retries then
 * show in the admin list), each idempotent on its `refundId`.
 *
 * Every provider call honours the caller's `signal`: aborted before it starts, nothing is done; aborted while it
 * waits (for the table's lock, SQLite's one writer), the call rejects at once and its transaction, when it gets
 * its turn, writes nothing.
 *
 * The stop: Nest closes the HTTP server (and waits for the requests in flight, a simulate among them) after
 * `onModuleDestroy` and `beforeApplicationShutdown`, and closes the database in `onApplicationShutdown`, this
 * module's before the messaging module's. So the callbacks keep going until the HTTP server is closed, and
 * `onApplicationShutdown` then gives those still on their way `stopGraceMs` (a retry waiting is tried at once),
 * with the database still open; what is cut short is left to reconciliation.
 */
export class SandboxPaymentProvider implements PaymentProvider, SandboxControl, OnApplicationShutdown {
  readonly name = SANDBOX_PROVIDER;
  private readonly retryDelaysMs: readonly number[];
  private readonly stopGraceMs: number;
  /** The service stops: no callback is started, a failed one is not tried again. */
  private stopping = false;
  /** Aborted at the stop: a retry waiting for its turn is tried at once. */
  private readonly retryNow = new AbortController();
  /** Aborted once the stop's grace is over: the deliveries still running are abandoned. */
  private readonly cutOff = new AbortController();
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly transactions: TransactionHost,
    private readonly delivery: SandboxCallbackDelivery,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: SandboxPaymentProviderOptions,
  ) {
    const { webhookSecret } = options;
    this.sign = (rawBody, atMs) => signPaymentCallback(webhookSecret, rawBody, atMs);
    this.retryDelaysMs = options.retryDelaysMs ?? SANDBOX_CALLBACK_RETRY_DELAYS_MS;
    this.stopGraceMs = options.stopGraceMs ?? SANDBOX_STOP_GRACE_MS;
  }

  /** Signs with `PAYMENT_WEBHOOK_SECRET`, held in its closure only: nothing that prints the provider shows the secret. */
  private readonly sign: (rawBody: Buffer, atMs: number) => string;

  // ── PaymentProvider ──────────────────────────────────────────────────────────────────────────────

  /** Opens the charge once per payment id: a repeated call answers the same charge (and never a second one). */
  async createPayment(request: Parameters<PaymentProvider['createPayment']>[0], options: CallOptions = {}): Promise<{ providerPaymentId: string }> {
    const { param } = dialectOf(this.transactions.kind);
    return this.withinCall(options, (signal) =>
      this.transactions.run(async () => {
        signal.throwIfAborted();
        await this.query(
          `INSERT INTO payment_sandbox_charge (payment_id, provider_payment_id, amount, currency, status, refunds, created_at)
         VALUES (${param(1)}, ${param(2)}, ${param(3)}, ${param(4)}, 'PENDING', 'ACCEPT', ${param(5)})
         ON CONFLICT (payment_id) DO NOTHING`,
          [request.paymentId, newProviderPaymentId(), request.amount, request.currency, this.clock.now().getTime()],
        );
        const charge = (await this.charge(request.paymentId))!;
        // A merchant reference used again for another amount is a bug on our side: a real provider would refuse it too.
        if (charge.status !== 'CANCELLED' && (numberOf(charge.amount) !== request.amount || charge.currency !== request.currency))
          throw new Error(
            `sandbox: payment ${request.paymentId} was opened for ${numberOf(charge.amount)} ${charge.currency}, not ${request.amount} ${request.currency}`,
          );
        return { providerPaymentId: charge.provider_payment_id };
      }),
    );
  }

  /** What the sandbox knows of the charge. A charge cancelled before it was opened reports no amount: none was ever asked for. */
  async queryPayment(paymentId: string, options: CallOptions = {}): Promise<ProviderPaymentState> {
    const charge = await this.withinCall(options, () => this.transactions.read(() => this.charge(paymentId)));
    if (!charge) return { status: 'UNKNOWN' };
    if (charge.status === 'CANCELLED' && charge.failure_reason === NEVER_OPENED) return { status: 'FAILED', failureReason: NEVER_OPENED };
    const known = { providerPaymentId: charge.provider_payment_id, amount: numberOf(charge.amount), currency: charge.currency };
    switch (charge.status) {
      case 'PENDING':
        return { status: 'PENDING', ...known };
      case 'SUCCEEDED':
        return { status: 'SUCCEEDED', ...known };
      case 'FAILED':
        return { status: 'FAILED', ...known, failureReason: charge.failure_reason ?? DECLINED_IN_SANDBOX };
      case 'CANCELLED':
        return { status: 'FAILED', ...known, failureReason: 'cancelled unpaid' };
    }
  }

  /**
   * Cancels a PENDING charge. One never opened (the create was lost, or is still on its way) is
   * cancelled too: a marker (`NEVER_OPENED`, no amount), so that a create arriving after it cannot open it for payment.
   */
  async cancelPayment(paymentId: string, options: CallOptions = {}): ReturnType<PaymentProvider['cancelPayment']> {
    const { param } = dialectOf(this.transactions.kind);
    return this.withinCall(options, (signal) =>
      this.transactions.run(async () => {
        const charge = await this.charge(paymentId, { forUpdate: true });
        signal.throwIfAborted();
        const now = this.clock.now().getTime();
        if (!charge) {
          await this.query(
            `INSERT INTO payment_sandbox_charge (payment_id, provider_payment_id, amount, currency, status, refunds, failure_reason, created_at, settled_at)
           VALUES (${param(1)}, ${param(2)}, 0, ${param(3)}, 'CANCELLED', 'ACCEPT', ${param(4)}, ${param(5)}, ${param(6)})`,
            [paymentId, newProviderPaymentId(), PAYMENT_CURRENCY, NEVER_OPENED, now, now],
          );
          return 'cancelled';
        }
        switch (charge.status) {
          case 'PENDING':
            await this.query(`UPDATE payment_sandbox_charge SET status = 'CANCELLED', settled_at = ${param(1)} WHERE payment_id = ${param(2)}`, [
              now,
              paymentId,
            ]);
            return 'cancelled';
          case 'CANCELLED':
            return 'cancelled';
          case 'SUCCEEDED':
            return 'already-succeeded';
          case 'FAILED':
            return 'already-failed';
        }
      }),
    );
  }

  /**
   * Gives the money of a succeeded charge back, once per charge: the same `refundId` again answers
   * 'refunded' (idempotent); refused when the charge says `refunds: 'refuse'`, took no money, or is of
   * another amount (whole refunds only).
   */
  async refundPayment(refund: Parameters<PaymentProvider['refundPayment']>[0], options: CallOptions = {}): Promise<ProviderRefundResult> {
    const { param } = dialectOf(this.transactions.kind);
    return this.withinCall(options, (signal) =>
      this.transactions.run(async () => {
        const charge = await this.charge(refund.paymentId, { forUpdate: true });
        signal.throwIfAborted();
        if (!charge || charge.status !== 'SUCCEEDED') return refused(`no captured charge of payment ${refund.paymentId}`);
        if (charge.refund_id !== null) {
          if (charge.refund_id === refund.refundId.toLowerCase()) return { outcome: 'refunded' };
          return refused(`the charge was refunded already (refund ${charge.refund_id})`);
        }
        if (numberOf(charge.amount) !== refund.amount || charge.currency !== refund.currency)
          return refused(`a refund of ${refund.amount} ${refund.currency} is not the charge's ${numberOf(charge.amount)} ${charge.currency}`);
        if (charge.refunds === 'REFUSE') return refused('the sandbox refuses refunds of this charge (simulated with refunds: refuse)');
        await this.query(`UPDATE payment_sandbox_charge SET refund_id = ${param(1)}, refunded_at = ${param(2)} WHERE payment_id = ${param(3)}`, [
          refund.refundId.toLowerCase(),
          this.clock.now().getTime(),
          refund.paymentId,
        ]);
        return { outcome: 'refunded' };
      }),
    );
  }

  // ── SandboxControl ───────────────────────────────────────────────────────────────────────────────

  /**
   * Settles the charge as the customer did at the provider ('settled'), or, settled that way already, sends
   * its callback again ('resent': a duplicate with the same eventId). The other outcome, or a charge
   * cancelled by reconciliation: ALREADY_SETTLED. The callback leaves only once this is committed, after
   * the caller's answer (never inside its transaction).
   */
  async simulate(paymentId: string, request: SandboxSimulationRequest): Promise<'settled' | 'resent'> {
    const { param } = dialectOf(this.transactions.kind);
    const refunds = request.refunds === 'refuse' ? 'REFUSE' : 'ACCEPT';
    const status: ChargeStatus = request.outcome === 'success' ? 'SUCCEEDED' : 'FAILED';
    const { answer, callback } = await this.transactions.run(async () => {
      const charge = await this.charge(paymentId, { forUpdate: true });
      if (!charge) throw new PaymentNotFoundError(paymentId);
      if (charge.status !== 'PENDING' && charge.status !== status) throw new AlreadySettledError(paymentId, charge.status);
      if (charge.status === status) {
        await this.query(`UPDATE payment_sandbox_charge SET refunds = ${param(1)} WHERE payment_id = ${param(2)}`, [refunds, paymentId]);
        return { answer: 'resent' as const, callback: callbackOf({ ...charge, refunds }) };
      }
      const settled: ChargeRow = {
        ...charge,
        status,
        refunds,
        failure_reason: status === 'FAILED' ? DECLINED_IN_SANDBOX : null,
        callback_event_id: randomUUID(),
        settled_at: this.clock.now().getTime(),
      };
      await this.query(
        `UPDATE payment_sandbox_charge SET status = ${param(1)}, refunds = ${param(2)}, failure_reason = ${param(3)}, callback_event_id = ${param(4)},
           settled_at = ${param(5)}
         WHERE payment_id = ${param(6)} AND status = 'PENDING'`,
        [settled.status, settled.refunds, settled.failure_reason, settled.callback_event_id, settled.settled_at, paymentId],
      );
      return { answer: 'settled' as const, callback: callbackOf(settled) };
    });
    if (request.callback !== 'withhold') this.transactions.afterCommit(() => this.sendLater(callback));
    return answer;
  }

  // ── the callbacks ────────────────────────────────────────────────────────────────────────────────

  /** Sends the callback after the current turn (the simulate answer first), in the background, tracked for the stop. */
  private sendLater(callback: ProviderCallback): void {
    if (this.stopping) {
      this.logger.warn(
        { paymentId: callback.paymentId, eventId: callback.eventId },
        'sandbox: the service has stopped; the callback is not sent (reconciliation settles the payment)',
      );
      return;
    }
    const sent: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.send(callback)).finally(() => this.sending.delete(sent));
    this.sending.add(sent);
  }

  /** Tries, then tries again after each of `retryDelaysMs` unless refused for good; each try signed afresh (a provider's retry is a new request). */
  private async send(callback: ProviderCallback): Promise<void> {
    const rawBody = Buffer.from(JSON.stringify(callback), 'utf8');
    const context = { paymentId: callback.paymentId, eventId: callback.eventId, type: callback.type, delivery: this.delivery.name };
    for (let attempt = 1; ; attempt++) {
      if (this.cutOff.signal.aborted) return;
      const signed: SignedSandboxCallback = {
        paymentId: callback.paymentId,
        eventId: callback.eventId,
        rawBody,
        signature: this.sign(rawBody, this.clock.now().getTime()),
      };
      try {
        await this.delivery.deliver(signed, this.cutOff.signal);
        this.logger.debug({ ...context, attempt }, 'sandbox: callback delivered');
        return;
      } catch (error) {
        if (this.cutOff.signal.aborted) return;
        if (error instanceof SandboxCallbackRefusedError) {
          this.logger.error({ ...context, attempt, why: error.why }, 'sandbox: the callback was refused; not sent again');
          return;
        }
        const delayMs = this.retryDelaysMs[attempt - 1];
        if (delayMs === undefined || this.stopping) {
          this.logger.error(
            { ...context, attempts: attempt, err: error },
            'sandbox: the callback could not be delivered; reconciliation will settle the payment',
          );
          return;
        }
        this.logger.warn({ ...context, attempt, retryDelayMs: delayMs, err: error }, 'sandbox: delivering the callback failed; tried again');
        await sleep(delayMs, this.retryNow.signal);
      }
    }
  }

  /**
   * The service stops, its HTTP server closed (no simulate comes any more) and its database still open: the
   * callbacks on their way get `stopGraceMs` (a retry waiting is tried at once, and not again), then are abandoned.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.retryNow.abort();
    if (this.sending.size > 0) await settlesWithin(Promise.allSettled([...this.sending]), this.stopGraceMs);
    this.cutOff.abort();
  }

  /**
   * Runs one provider call for a caller that stops waiting once `options.signal` aborts: refused at once when
   * it is aborted already; rejected with its reason when it aborts meanwhile (`work` checks the signal again
   * before it writes, so what it does once it gets its turn is nothing).
   */
  private async withinCall<T>(options: CallOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = options.signal ?? new AbortController().signal;
    signal.throwIfAborted();
    const running = work(signal);
    return new Promise<T>((resolve, reject) => {
      const stopWaiting = () => reject(signal.reason);
      signal.addEventListener('abort', stopWaiting, { once: true });
      running.then(
        (value) => {
          signal.removeEventListener('abort', stopWaiting);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', stopWaiting);
          reject(error);
        },
      );
    });
  }

  // ── the table ────────────────────────────────────────────────────────────────────────────────────

  private async charge(paymentId: string, options: { forUpdate?: boolean } = {}): Promise<ChargeRow | null> {
    if (!isUuid(paymentId)) return null;
    const { param, kind } = dialectOf(this.transactions.kind);
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = options.forUpdate && kind === 'postgres' ? ' FOR UPDATE' : '';
    const rows = await this.query<ChargeRow>(`SELECT ${CHARGE_COLUMNS} FROM payment_sandbox_charge WHERE payment_id = ${param(1)}${lock}`, [
      paymentId.toLowerCase(),
    ]);
    return rows[0] ?? null;
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}

const newProviderPaymentId = (): string => `sbx_${randomBytes(12).toString('hex')}`;

const refused = (reason: string): ProviderRefundResult => ({ outcome: 'refused', reason });

/** The callback a settled charge sends: the contract's `ProviderCallback`, its eventId the charge's own (a re-send is a duplicate). */
function callbackOf(charge: ChargeRow): ProviderCallback {
  const succeeded = charge.status === 'SUCCEEDED';
  return {
    eventId: charge.callback_event_id!,
    type: succeeded ? 'payment.succeeded' : 'payment.failed',
    paymentId: charge.payment_id,
    providerPaymentId: charge.provider_payment_id,
    amount: numberOf(charge.amount),
    currency: charge.currency,
    occurredAt: new Date(numberOrNull(charge.settled_at) ?? 0).toISOString(),
    ...(succeeded ? {} : { failureReason: charge.failure_reason ?? DECLINED_IN_SANDBOX }),
  };
}
