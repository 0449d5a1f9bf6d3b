import { DomainError } from '@shop/shared-kernel';
import type { ReceiveProviderCallbackHandler } from '../../application/commands/receive-provider-callback/receive-provider-callback.handler.js';
import { PaymentNotFoundError } from '../../domain/payment.errors.js';
import { SandboxCallbackRefusedError, type SandboxCallbackDelivery, type SignedSandboxCallback } from './sandbox-callback.delivery.js';

/**
 * Hands the sandbox's callback to the service's own callback use case, with the signed bytes and the
 * header as they would come over HTTP: the signature, the schema, the amount are all checked the same
 * (only the gateway and the HTTP layer are skipped). The embedded mode's default. A refusal of the use
 * case (a domain error: bad signature, amount mismatch) is final, as its 4xx is over HTTP; PAYMENT_NOT_FOUND
 * is retried, as the HTTP delivery retries a 404 (the payment may not be visible yet, and a provider retries
 * it too), and so is anything else (the database).
 */
export class InProcessSandboxCallbackDelivery implements SandboxCallbackDelivery {
  readonly name = 'in-process';

  constructor(private readonly receiveCallback: Pick<ReceiveProviderCallbackHandler, 'execute'>) {}

  async deliver(callback: SignedSandboxCallback, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    try {
      await this.receiveCallback.execute({ rawBody: callback.rawBody, signature: callback.signature });
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof PaymentNotFoundError))
        throw new SandboxCallbackRefusedError(callback.paymentId, `${error.code}: ${error.message}`);
      throw error;
    }
  }
}
