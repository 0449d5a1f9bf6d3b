import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InternalTokenIssuer, InternalTokenVerifier } from '@shop/http';
import { recordSpans } from '@shop/observability/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceTimeoutError, ServiceUnavailableError, type ServiceRequest } from '../../application/ports/service-client.js';
import { UndiciServiceClient } from './undici-service.client.js';

const SECRET = 'an-internal-secret-of-at-least-32-bytes!';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly remotePort: number;
}

let server: Server | undefined;
let client: UndiciServiceClient | undefined;

/** A service on a free loopback port answering with `answer`; what it saw is in `seen`. */
async function serviceAnswering(answer: (response: ServerResponse, request: IncomingMessage) => void, timeoutMs = 1_000) {
  const seen: Seen[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body, remotePort: request.socket.remotePort! });
      answer(response, request);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new UndiciServiceClient({ serviceUrls: { user: `http://127.0.0.1:${port}/` }, tokens: new InternalTokenIssuer(SECRET), timeoutMs });
  return { seen, client, port };
}

afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = client = undefined;
});

const REQUEST: ServiceRequest = {
  method: 'POST',
  path: '/auth/register?x=1',
  headers: { accept: 'application/json', 'X-Shop-Internal-Token': 'forged', 'x-correlation-id': 'forged', 'content-type': 'text/plain' },
  body: '{"email":"ada@example.com"}',
  caller: { userId: 'u-1', roles: ['customer'] },
  correlationId: 'c-1',
};

describe('UndiciServiceClient', () => {
  it("sends the JSON body with a fresh internal token for this call carrying the caller, the correlation id, and the client's end-to-end headers", async () => {
    const { seen, client } = await serviceAnswering((response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
    const response = await client.send('user', REQUEST);
    expect(response.status).toBe(201);
    expect(new TextDecoder().decode(response.body)).toBe('{"ok":true}');
    const [call] = seen;
    expect(call).toMatchObject({ method: 'POST', url: '/auth/register?x=1', body: '{"email":"ada@example.com"}' });
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.headers['accept']).toBe('application/json');
    expect(call!.headers['x-correlation-id']).toBe('c-1');
    const token = call!.headers['x-shop-internal-token'] as string;
    expect(token).not.toBe('forged');
    expect(new InternalTokenVerifier(SECRET, 'user').verify(token, { method: 'POST', path: '/auth/register?x=1' })).toMatchObject({
      identity: { userId: 'u-1', roles: ['customer'] },
    });
  });

  it('sends a body given as bytes exactly as given (a signed body), as JSON', async () => {
    const { client } = await serviceAnswering((response) => response.writeHead(200).end());
    const received: Buffer[] = [];
    server!.removeAllListeners('request');
    server!.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(Buffer.concat(chunks));
        response.writeHead(200, { 'x-seen-type': String(request.headers['content-type']), 'x-seen-length': String(request.headers['content-length']) }).end();
      });
    });
    const bytes = Buffer.from('{ "b" :1,\n"a":"\\u00e9 é" }  ', 'utf8');
    const response = await client.send('user', { ...REQUEST, body: bytes });
    expect(received[0]!.equals(bytes)).toBe(true);
    expect(Object.fromEntries(response.headers)).toMatchObject({ 'x-seen-type': 'application/json', 'x-seen-length': String(bytes.length) });
  });

  it("returns the service's answer headers as they came, each cookie apart, and the body byte for byte (the forwarder's allowlist filters them)", async () => {
    const bytes = Buffer.from([0x7b, 0x7d, 0x00, 0xff]);
    const { client } = await serviceAnswering((response) => {
      response.setHeader('content-type', 'application/problem+json');
      response.setHeader('location', '/orders/1');
      response.setHeader('connection', 'x-private');
      response.setHeader('x-private', 'secret');
      response.setHeader('x-correlation-id', 'other');
      response.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      response.writeHead(409);
      response.end(bytes);
    });
    const response = await client.send('user', REQUEST);
    expect(response.status).toBe(409);
    expect(Buffer.from(response.body)).toEqual(bytes);
    expect(response.headers).toEqual(
      expect.arrayContaining([
        ['content-type', 'application/problem+json'],
        ['location', '/orders/1'],
        ['x-private', 'secret'],
        ['set-cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2; Path=/'],
      ]),
    );
  });

  it('sends no body and no content type for a call without one, and reuses its connection', async () => {
    const { seen, client } = await serviceAnswering((response) => {
      response.writeHead(204);
      response.end();
    });
    const call = { method: 'GET', path: '/me', headers: {}, correlationId: 'c-2' };
    for (let i = 0; i < 6; i += 1) expect((await client.send('user', call)).status).toBe(204);
    expect(seen[0]!.body).toBe('');
    expect(seen[0]!.headers['content-type']).toBeUndefined();
    // Kept alive: six calls one after the other over at most two connections.
    expect(new Set(seen.map((one) => one.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it('gives up after timeoutMs with ServiceTimeoutError, also while the body is still coming', async () => {
    const { client: silent } = await serviceAnswering(() => undefined, 100);
    await expect(silent.send('user', REQUEST)).rejects.toBeInstanceOf(ServiceTimeoutError);
    await client!.close();
    server!.closeAllConnections();
    server!.close();

    const { client: slow } = await serviceAnswering((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    }, 100);
    // Given up by the call's own deadline (its abort signal), not by undici's body timeout, which is a second later.
    await expect(slow.send('user', REQUEST)).rejects.toSatisfy(
      (error) => error instanceof ServiceTimeoutError && (error.cause as { name?: string } | undefined)?.name === 'TimeoutError',
    );
  });

  it('turns a refused connection into ServiceUnavailableError', async () => {
    const { port } = await serviceAnswering(() => undefined);
    server!.close();
    const refused = new UndiciServiceClient({ serviceUrls: { user: `http://127.0.0.1:${port}` }, tokens: new InternalTokenIssuer(SECRET), timeoutMs: 1_000 });
    await expect(refused.send('user', REQUEST)).rejects.toMatchObject({ name: 'ServiceUnavailableError', reason: 'unreachable' });
    await expect(refused.send('user', REQUEST)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await refused.close();
  });
});

describe('UndiciServiceClient, trace context', () => {
  const CLIENT_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const withTraceHeaders: ServiceRequest = { ...REQUEST, headers: { ...REQUEST.headers, traceparent: CLIENT_TRACEPARENT, tracestate: 'client=1' } };
  const ok = (response: ServerResponse) => response.writeHead(200).end();

  it("off: passes the request's traceparent and tracestate on as they came (the edge dropped a client's unless trusted), and makes no span", async () => {
    const { seen, client } = await serviceAnswering(ok);
    const getTracer = vi.spyOn(trace, 'getTracer');
    try {
      await client.send('user', withTraceHeaders);
      // No span object is made: not even a tracer is asked for.
      expect(getTracer).not.toHaveBeenCalled();
    } finally {
      getTracer.mockRestore();
    }
    expect(seen[0]!.headers).toMatchObject({ traceparent: CLIENT_TRACEPARENT, tracestate: 'client=1' });
  });

  it("on: a CLIENT span per call, child of the request's span, whose context replaces the client's headers", async () => {
    const recorded = recordSpans('gateway');
    try {
      const { seen, client, port } = await serviceAnswering((response) => response.writeHead(503).end());
      const response = await trace.getTracer('spec').startActiveSpan('POST /api/v1/auth/register', async (server) => {
        try {
          return await client.send('user', withTraceHeaders);
        } finally {
          server.end();
        }
      });
      expect(response.status).toBe(503);
      const call = recorded.span('POST');
      const { traceId, spanId } = call.spanContext();
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(call.parentSpanContext?.spanId).toBe(recorded.span('POST /api/v1/auth/register').spanContext().spanId);
      expect(call.attributes).toEqual({
        'http.request.method': 'POST',
        'server.address': '127.0.0.1',
        'server.port': port,
        'url.full': `http://127.0.0.1:${port}/auth/register`,
        'http.response.status_code': 503,
        'error.type': '503',
        'shop.target_service': 'user',
        'shop.service': 'gateway',
        'shop.correlation_id': 'c-1',
      });
      expect(call.status.code).toBe(SpanStatusCode.ERROR);
      expect(seen[0]!.headers['traceparent']).toBe(`00-${traceId}-${spanId}-01`);
      // The gateway's span carries no tracestate: the client's is not sent beside a traceparent it does not belong to.
      expect(seen[0]!.headers).not.toHaveProperty('tracestate');
    } finally {
      await recorded.stop();
    }
  });

  it('on: a call that gets no answer is an ERROR span', async () => {
    const recorded = recordSpans('gateway');
    try {
      const { port } = await serviceAnswering(() => undefined);
      server!.close();
      const refused = new UndiciServiceClient({ serviceUrls: { user: `http://127.0.0.1:${port}` }, tokens: new InternalTokenIssuer(SECRET), timeoutMs: 1_000 });
      await expect(refused.send('user', REQUEST)).rejects.toBeInstanceOf(ServiceUnavailableError);
      await refused.close();
      expect(recorded.span('POST').status.code).toBe(SpanStatusCode.ERROR);
      expect(recorded.span('POST').attributes['error.type']).toBe('unreachable');
    } finally {
      await recorded.stop();
    }
  });
});
