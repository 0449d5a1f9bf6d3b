// A route whose sender signs the body's bytes (`signedBody`: the payment provider's callback) gets those
// bytes through the gateway unchanged, with its signature header; every other route keeps the gateway's
// re-encoding and its header allowlist. On the real payment routes, in front of a stand-in payment service.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PAYMENT_SIGNATURE_HEADER, paymentContext, userContext } from '@shop/contracts';
import { INTERNAL_TOKEN_HEADER, InternalTokenVerifier, type Identity } from '@shop/http';
import { silentLogger } from '@shop/observability';
import type { RunningService } from '@shop/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway } from '../src/main.js';
import { INTERNAL_AUTH_SECRET, JWT_SECRET, accessToken } from './support/access-tokens.js';
import { FakeUserService } from './support/fake-user-service.js';

interface PaymentCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly identity: Identity | undefined;
}

/** The payment service as the gateway sees it: answers only its internal token, records the bytes it got. */
async function startPaymentService(): Promise<{ url: string; calls: PaymentCall[]; server: Server }> {
  const verifier = new InternalTokenVerifier(INTERNAL_AUTH_SECRET, 'payment');
  const calls: PaymentCall[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const token = request.headers[INTERNAL_TOKEN_HEADER];
      let identity: Identity | undefined;
      try {
        if (typeof token !== 'string') throw new Error('no token');
        identity = verifier.verify(token, { method: request.method ?? '', path: request.url ?? '' }).identity;
      } catch {
        response.writeHead(401).end();
        return;
      }
      calls.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks), identity });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

let payment: Awaited<ReturnType<typeof startPaymentService>>;
let user: FakeUserService;
let gateway: RunningService;
let base: URL;

beforeAll(async () => {
  payment = await startPaymentService();
  user = await new FakeUserService(INTERNAL_AUTH_SECRET).start();
  gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    jwtSecret: JWT_SECRET,
    internalAuthSecret: INTERNAL_AUTH_SECRET,
    rateLimitPerMinute: 0,
    serviceUrls: { user: user.url, payment: payment.url },
    contexts: [userContext, paymentContext],
    logger: silentLogger(),
  });
  base = new URL(gateway.url);
});
afterAll(async () => {
  await gateway?.close();
  await user?.stop();
  payment?.server.closeAllConnections();
  await new Promise((resolve) => payment?.server.close(resolve));
});
beforeEach(() => {
  payment.calls.length = 0;
});

/** node:http: the body bytes and header names go out exactly as given (fetch would do the same, but this says so). */
function post(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: base.hostname, port: base.port, method: 'POST', path: `/api/v1${path}`, headers: { ...headers, 'content-length': String(body.length) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, json: text === '' ? undefined : (JSON.parse(text) as unknown) });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const SECRET = 'the-provider-webhook-secret-of-32-bytes!';
const sign = (body: Buffer, at = Math.floor(Date.now() / 1000)) => `t=${at},v1=${createHmac('sha256', SECRET).update(`${at}.`).update(body).digest('hex')}`;

// Whitespace, key order, escapes the parser reads differently from how a re-encoding would write them,
// a number spelled with a fraction, a repeated key, and a trailing newline: each lost by JSON.stringify.
const ODD_CALLBACK = Buffer.from(
  `{\n  "type" : "payment.succeeded",\t"eventId":"${randomUUID()}",\r\n` +
    `  "paymentId":"${randomUUID()}", "providerPaymentId":"sbx_\\u0041\\/1", "amount": 8000.0,\n` +
    `  "currency":"CNY","occurredAt":"2026-12-01T11:00:00.000Z", "failureReason":"caf\\u00e9 😀", "amount": 8000 }\n`,
  'utf8',
);

describe('the payment callback (signedBody) through the gateway', () => {
  it('reaches the service byte for byte, with its signature header, and the signature still verifies there', async () => {
    const signature = sign(ODD_CALLBACK);
    const answer = await post('/payments/callback', { 'content-type': 'application/json', 'Payment-Signature': signature }, ODD_CALLBACK);
    expect(answer).toEqual({ status: 200, json: { received: true } });
    const [call] = payment.calls;
    expect(call).toMatchObject({ method: 'POST', path: '/payments/callback', identity: undefined });
    expect(call!.body.equals(ODD_CALLBACK)).toBe(true);
    expect(call!.headers[PAYMENT_SIGNATURE_HEADER]).toBe(signature);
    // What a verifier computes over the bytes the service received is what the provider signed.
    expect(sign(call!.body, Number(/t=(\d+)/.exec(signature)![1]))).toBe(signature);
    // A re-encoding would have broken it.
    expect(JSON.stringify(JSON.parse(ODD_CALLBACK.toString('utf8')))).not.toBe(ODD_CALLBACK.toString('utf8'));
  });

  it('passes several signatures in one header as sent', async () => {
    const body = Buffer.from('{"a":1}');
    const several = `t=1,v1=${'0'.repeat(64)},v1=${'f'.repeat(64)}`;
    await post('/payments/callback', { 'content-type': 'application/json', [PAYMENT_SIGNATURE_HEADER]: several }, body);
    expect(payment.calls[0]!.headers[PAYMENT_SIGNATURE_HEADER]).toBe(several);
  });

  it('needs no access token (the provider has none), and a token sent along does not make the call a user’s', async () => {
    await post('/payments/callback', { 'content-type': 'application/json' }, ODD_CALLBACK);
    const withToken = await post(
      '/payments/callback',
      { 'content-type': 'application/json', authorization: `Bearer ${await accessToken(randomUUID())}` },
      ODD_CALLBACK,
    );
    expect(withToken.status).toBe(200);
    expect(payment.calls).toHaveLength(2);
    // Anonymous as its route says: the token is not passed on, and the service sees no user either way.
    expect(payment.calls.map((call) => call.identity)).toEqual([undefined, undefined]);
    expect(payment.calls[1]!.headers['authorization']).toBeUndefined();
  });

  it('still passes none of the smuggling headers, nor the ones the gateway owns', async () => {
    await post(
      '/payments/callback',
      {
        'content-type': 'application/json',
        [PAYMENT_SIGNATURE_HEADER]: sign(ODD_CALLBACK),
        'x-forwarded-host': 'evil.example',
        'x-shop-internal-token': 'forged',
        'x-correlation-id': 'mine',
        'x-user-id': randomUUID(),
        'x-provider-debug': '1',
      },
      ODD_CALLBACK,
    );
    const [call] = payment.calls;
    expect(call!.headers['x-forwarded-host']).toBeUndefined();
    expect(call!.headers['x-user-id']).toBeUndefined();
    expect(call!.headers['x-provider-debug']).toBeUndefined();
    expect(call!.headers[INTERNAL_TOKEN_HEADER]).not.toBe('forged');
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.headers['content-length']).toBe(String(ODD_CALLBACK.length));
  });

  it('refuses at the edge what the parser refuses (not JSON, another media type), without calling the service', async () => {
    expect((await post('/payments/callback', { 'content-type': 'application/json' }, Buffer.from('{"a":'))).status).toBe(400);
    expect((await post('/payments/callback', { 'content-type': 'text/plain' }, ODD_CALLBACK)).status).toBe(415);
    expect(payment.calls).toHaveLength(0);
  });
});

describe('every other route', () => {
  it('has its body written again as JSON, and the signature header kept at the edge', async () => {
    const orderId = randomUUID();
    const body = Buffer.from(`{ "orderId" : "${orderId}" }\n`);
    const answer = await post(
      '/payments',
      { 'content-type': 'application/json', authorization: `Bearer ${await accessToken()}`, [PAYMENT_SIGNATURE_HEADER]: sign(body) },
      body,
    );
    expect(answer.status).toBe(200);
    const [call] = payment.calls;
    expect(call!.body.toString('utf8')).toBe(`{"orderId":"${orderId}"}`);
    expect(call!.headers[PAYMENT_SIGNATURE_HEADER]).toBeUndefined();
    expect(call!.identity).toBeDefined();
  });
});
