import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpSandboxCallbackDelivery } from './http-sandbox-callback.delivery.js';
import { SandboxCallbackRefusedError, type SignedSandboxCallback } from './sandbox-callback.delivery.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** A receiver on a free port answering `status` (and a Location for redirects), keeping what it got. */
async function receiver(status: number): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(status, { 'content-type': 'application/json', location: '/elsewhere' });
      response.end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/payments/callback`, received, server };
}

// Not JSON.stringify's spelling: the bytes must arrive exactly as signed, never re-encoded.
const rawBody = Buffer.from('{ "paymentId" : "p-1",  "amount": 8000, "note": "\\u00e9t\u00e9" }\n', 'utf8');
const callback: SignedSandboxCallback = { paymentId: 'p-1', eventId: 'e-1', rawBody, signature: 't=1700000000,v1=abc' };

describe('HttpSandboxCallbackDelivery', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function deliverTo(status: number) {
    const target = await receiver(status);
    servers.push(target.server);
    const outcome = await new HttpSandboxCallbackDelivery(target.url).deliver(callback, new AbortController().signal).then(
      () => 'delivered' as const,
      (error: unknown) => error,
    );
    return { outcome, received: target.received };
  }

  it('POSTs the signed bytes unchanged, with the signature header, and takes a 2xx', async () => {
    const { outcome, received } = await deliverTo(200);
    expect(outcome).toBe('delivered');
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe('POST');
    expect(received[0]!.url).toBe('/api/v1/payments/callback');
    expect(received[0]!.headers['payment-signature']).toBe(callback.signature);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.body.equals(rawBody)).toBe(true);
  });

  it.each([400, 401, 403, 413, 422])('takes a %d as a refusal for good (no retry heals it)', async (status) => {
    const { outcome } = await deliverTo(status);
    expect(outcome).toBeInstanceOf(SandboxCallbackRefusedError);
    expect((outcome as SandboxCallbackRefusedError).why).toContain(`answered ${status}`);
  });

  it.each([404, 409, 429, 500, 502, 503])('takes a %d as a failure worth retrying', async (status) => {
    const { outcome } = await deliverTo(status);
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(SandboxCallbackRefusedError);
  });

  it('does not follow a redirect (the callback goes where it was configured to, or fails)', async () => {
    const { outcome, received } = await deliverTo(302);
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(SandboxCallbackRefusedError);
    expect(received).toHaveLength(1);
  });

  it('fails, to be retried, when nobody listens', async () => {
    const target = await receiver(200);
    await new Promise((resolve) => target.server.close(resolve));
    await expect(new HttpSandboxCallbackDelivery(target.url).deliver(callback, new AbortController().signal)).rejects.not.toBeInstanceOf(
      SandboxCallbackRefusedError,
    );
  });

  it('stops when the service stops', async () => {
    const target = await receiver(200);
    servers.push(target.server);
    const stopping = new AbortController();
    stopping.abort();
    await expect(new HttpSandboxCallbackDelivery(target.url).deliver(callback, stopping.signal)).rejects.toThrow();
    expect(target.received).toEqual([]);
  });
});
