// The twin of tools/embedded/test/support/callback-relay.ts (a project may not import another project's test files): keep the two the same.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One callback the provider sent, as it came: its exact bytes and its signature header, and what the gateway answered. */
export interface CapturedCallback {
  readonly body: Buffer;
  readonly signature: string | undefined;
  readonly contentType: string | undefined;
  /** The gateway's answer to it. */
  readonly status: number;
  /** The body's `paymentId` and `type`, read for finding it again. */
  readonly paymentId: string;
  readonly type: string;
}

export interface CallbackRelay {
  /** Where the provider is told to call back (`PAYMENT_SANDBOX_CALLBACK_URL`). */
  readonly url: string;
  /** Every callback relayed so far, oldest first. */
  readonly captured: readonly CapturedCallback[];
  close(): Promise<void>;
}

/**
 * A transparent hop between the sandbox provider and the gateway, as a provider's callback crosses the
 * internet: every callback is passed on byte for byte (its body and its `Payment-Signature`) to the
 * gateway's `POST /payments/callback`, answered with the gateway's answer, and kept, so that a test can
 * replay a captured callback or forge one from it. `target` is read at each callback: the gateway
 * starts after the relay, whose URL the payment service is configured with.
 */
export async function startCallbackRelay(target: () => string): Promise<CallbackRelay> {
  const captured: CapturedCallback[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      void relay(body, request.headers).then(
        ({ status, text, contentType }) => {
          captured.push({
            body,
            signature: header(request.headers, 'payment-signature'),
            contentType: header(request.headers, 'content-type'),
            status,
            ...idsOf(body),
          });
          response.writeHead(status, { 'content-type': contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(String(error));
        },
      );
    });
  });
  const relay = async (body: Buffer, headers: IncomingHttpHeaders) => {
    const signature = header(headers, 'payment-signature');
    const answer = await fetch(target(), {
      method: 'POST',
      headers: { 'content-type': header(headers, 'content-type') ?? 'application/json', ...(signature ? { 'payment-signature': signature } : {}) },
      body,
    });
    return { status: answer.status, text: await answer.text(), contentType: answer.headers.get('content-type') ?? 'text/plain' };
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/provider-callbacks`,
    captured,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

function idsOf(body: Buffer): { paymentId: string; type: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { paymentId?: unknown; type?: unknown };
    return { paymentId: String(parsed.paymentId), type: String(parsed.type) };
  } catch {
    return { paymentId: '', type: '' };
  }
}

/**
 * The `Payment-Signature` header of a callback body, as the payment context's scheme says (Stripe's):
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body bytes>")>`. Written here from the scheme, not
 * taken from the service, so that the specs check the service against the scheme.
 */
export function signCallback(secret: string, body: Buffer | string, atMs = Date.now()): string {
  const t = Math.floor(atMs / 1000);
  const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return `t=${t},v1=${mac}`;
}
