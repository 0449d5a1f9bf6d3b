import { describe, expect, it } from 'vitest';
import { InvalidSignatureError, PaymentAmountMismatchError, PaymentNotFoundError } from '../../domain/payment.errors.js';
import { InProcessSandboxCallbackDelivery } from './in-process-sandbox-callback.delivery.js';
import { SandboxCallbackRefusedError, type SignedSandboxCallback } from './sandbox-callback.delivery.js';

const callback: SignedSandboxCallback = {
  paymentId: '0b5a4c0e-6b7e-4a57-9a63-0d3f7e7f6c11',
  eventId: 'e-1',
  rawBody: Buffer.from('{"paymentId":"0b5a4c0e-6b7e-4a57-9a63-0d3f7e7f6c11"}'),
  signature: 't=1700000000,v1=abc',
};

/** The delivery over a callback use case that answers, or throws, `outcome`. */
function deliveryThrowing(outcome: Error | undefined) {
  const received: Array<{ rawBody: Buffer; signature: string | undefined }> = [];
  const delivery = new InProcessSandboxCallbackDelivery({
    execute: (command) => {
      received.push(command);
      return outcome ? Promise.reject(outcome) : Promise.resolve({ outcome: 'succeeded' as const, paymentId: callback.paymentId, afterFailure: false });
    },
  });
  const outcomeOf = () =>
    delivery.deliver(callback, new AbortController().signal).then(
      () => 'delivered' as const,
      (error: unknown) => error,
    );
  return { delivery, received, outcomeOf };
}

describe('InProcessSandboxCallbackDelivery', () => {
  it('hands the signed bytes and the header to the callback use case', async () => {
    const { received, outcomeOf } = deliveryThrowing(undefined);
    expect(await outcomeOf()).toBe('delivered');
    expect(received).toEqual([{ rawBody: callback.rawBody, signature: callback.signature }]);
  });

  it.each([
    ['INVALID_SIGNATURE', new InvalidSignatureError('MISMATCH')],
    ['AMOUNT_MISMATCH', new PaymentAmountMismatchError(callback.paymentId, 8_000, 1)],
  ])('takes a refusal of the use case (%s) as final, as the HTTP delivery takes its 4xx', async (code, error) => {
    const outcome = await deliveryThrowing(error).outcomeOf();
    expect(outcome).toBeInstanceOf(SandboxCallbackRefusedError);
    expect((outcome as SandboxCallbackRefusedError).why).toContain(code);
  });

  it('retries PAYMENT_NOT_FOUND, as the HTTP delivery retries a 404 (the payment may not be visible yet)', async () => {
    const outcome = await deliveryThrowing(new PaymentNotFoundError(callback.paymentId)).outcomeOf();
    expect(outcome).toBeInstanceOf(PaymentNotFoundError);
    expect(outcome).not.toBeInstanceOf(SandboxCallbackRefusedError);
  });

  it('retries any other failure (the database)', async () => {
    const down = new Error('connection terminated');
    expect(await deliveryThrowing(down).outcomeOf()).toBe(down);
  });

  it('delivers nothing once the service stops', async () => {
    const { delivery, received } = deliveryThrowing(undefined);
    const stopped = new AbortController();
    stopped.abort();
    await expect(delivery.deliver(callback, stopped.signal)).rejects.toThrow(/abort/i);
    expect(received).toEqual([]);
  });
});
