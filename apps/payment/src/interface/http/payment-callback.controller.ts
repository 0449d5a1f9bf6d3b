import { Controller, Headers, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { PAYMENT_SIGNATURE_HEADER, type CallbackReceipt } from '@shop/contracts';
import { rawBodyOf } from '@shop/http';
import { LOGGER, type Logger } from '@shop/observability';
import { DomainError } from '@shop/shared-kernel';
import type { FastifyRequest } from 'fastify';
import { ReceiveProviderCallbackHandler } from '../../application/commands/receive-provider-callback/receive-provider-callback.handler.js';

/**
 * `POST /payments/callback`: the provider tells us how a payment ended. Anonymous (no customer is
 * behind it), so the signature is the only thing that says who sent it: the use case checks it over
 * the very bytes that arrived (never over the parsed body: re-encoded, it would not be what was signed)
 * before it reads anything else, then the body against the contract (400 `INVALID_PAYMENT_CALLBACK`).
 * So no schema pipe runs here first: a forged body must be refused as forged (401), not as malformed.
 * 200 also for a repeat or a late arrival (nothing changes), so that the provider stops sending it; 404
 * for a payment we never started, so that it keeps trying and someone looks.
 *
 * Every refusal is logged here (the error filter logs refusals at debug only): someone should look at
 * forged or stale callbacks (warn, with the reason, never the body: it is not ours until signed) and at
 * a provider that reports another amount or currency than it was asked for (error).
 */
@Controller('payments')
export class PaymentCallbackController {
  constructor(
    private readonly receiveProviderCallback: ReceiveProviderCallbackHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('callback')
  @HttpCode(HttpStatus.OK)
  async receive(@Req() request: FastifyRequest, @Headers(PAYMENT_SIGNATURE_HEADER) signature: string | undefined): Promise<CallbackReceipt> {
    // No body at all: nothing was signed, so no signature can match (the use case answers 401).
    const rawBody = rawBodyOf(request) ?? Buffer.alloc(0);
    try {
      const { outcome, paymentId, afterFailure } = await this.receiveProviderCallback.execute({ rawBody, signature });
      if (afterFailure) {
        // The provider took the money after we had given up on it (it was unreachable, or declined): the order decides whether to keep it.
        this.logger.warn({ paymentId }, 'payment callback: a FAILED payment succeeded at the provider after all; applied');
      } else if (outcome === 'succeeded' || outcome === 'failed') {
        this.logger.info({ paymentId, outcome }, `payment callback: the payment ${outcome}`);
      } else {
        this.logger.info({ paymentId, outcome }, 'payment callback repeated or late: the payment was settled already, nothing changed');
      }
    } catch (error) {
      this.logRefusal(error, rawBody.length);
      throw error;
    }
    return { received: true };
  }

  private logRefusal(error: unknown, bytes: number): void {
    if (!(error instanceof DomainError)) return; // the error filter logs the unexpected
    const details = error.details ?? {};
    switch (error.code) {
      case 'INVALID_SIGNATURE':
        this.logger.warn({ reason: details['reason'], bytes }, 'payment callback refused: its signature is missing, malformed, stale or wrong');
        return;
      case 'INVALID_PAYMENT_CALLBACK':
        this.logger.warn({ problems: details['problems'], bytes }, 'payment callback refused: correctly signed, but not a callback of the contract');
        return;
      case 'PAYMENT_NOT_FOUND':
        this.logger.warn(
          { paymentId: details['paymentId'] },
          'payment callback for a payment never started here: refused (404), the provider will send it again',
        );
        return;
      case 'AMOUNT_MISMATCH':
      case 'CURRENCY_MISMATCH':
        this.logger.error(
          { code: error.code, paymentId: details['paymentId'], expected: details['expected'], received: details['received'] },
          'payment callback refused: the provider reports another amount or currency than the payment’s; nothing changed, someone should look',
        );
        return;
    }
  }
}
