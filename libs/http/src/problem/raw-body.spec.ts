// rawBodyOf: the exact bytes a JSON body arrived as, for a sender that signs them (a payment provider's
// callback) and for the gateway, which sends a signed body on unchanged. On a real app made as every service is.
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Body, Controller, Get, Module, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { silentLogger } from '@shop/observability';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureHttpApp, createHttpAdapter } from '../configure-http-app.js';
import { rawBodyOf } from './json-body.js';

const describeRaw = (raw: Buffer | undefined) => (raw === undefined ? null : raw.toString('base64'));

@Controller()
class ProbeController {
  @Post('echo')
  echo(@Req() request: FastifyRequest, @Body() body: unknown) {
    return { raw: describeRaw(rawBodyOf(request)), fromNodeRequest: describeRaw(rawBodyOf(request.raw)), body };
  }

  @Get('echo')
  read(@Req() request: FastifyRequest) {
    return { raw: describeRaw(rawBodyOf(request)) };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

let app: NestFastifyApplication;
let port: number;

beforeAll(async () => {
  app = await NestFactory.create<NestFastifyApplication>(ProbeModule, createHttpAdapter(), { bodyParser: false, logger: false });
  configureHttpApp(app, { service: 'probe', gatewayOnly: false, logger: silentLogger() });
  await app.listen(0, '127.0.0.1');
  port = Number(new URL(await app.getUrl()).port);
});
afterAll(() => app?.close());

interface Echo {
  raw: string | null;
  fromNodeRequest?: string | null;
  body?: unknown;
  code?: string;
}

/** node:http sends the body bytes as given (nothing re-encodes them on the way). */
function send(method: string, body?: Buffer, contentType = 'application/json') {
  return new Promise<{ status: number; json: Echo }>((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path: '/echo',
        headers: body ? { 'content-type': contentType, 'content-length': String(body.length) } : {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Echo }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('rawBodyOf', () => {
  it('gives the bytes the body arrived as, byte for byte: whitespace, key order, escapes and repeated keys that parsing would lose', async () => {
    const sent = Buffer.from('{ "type":"payment.succeeded" ,\n\t"amount" : 8000.0,"note":"caf\\u00e9 \\/ 😀","a":1,"a":2 }\r\n  ', 'utf8');
    const answer = await send('POST', sent);
    expect(answer.status).toBe(201);
    expect(Buffer.from(answer.json.raw!, 'base64').equals(sent)).toBe(true);
    // Parsed, the same body is different bytes: a signature over a re-encoding would never match.
    expect(answer.json.body).toEqual({ type: 'payment.succeeded', amount: 8000, note: 'café / 😀', a: 2 });
    expect(Buffer.from(JSON.stringify(answer.json.body)).equals(sent)).toBe(false);
    // An HMAC over what the handler reads is the one the sender computed.
    const hmac = (bytes: Buffer) => createHmac('sha256', 'secret').update(bytes).digest('hex');
    expect(hmac(Buffer.from(answer.json.raw!, 'base64'))).toBe(hmac(sent));
  });

  it('reads the same from the Node request under the Fastify one', async () => {
    const sent = Buffer.from('[1, 2,3]');
    const answer = await send('POST', sent, 'application/merchant+json; charset=utf-8');
    expect(answer.json.raw).toBe(sent.toString('base64'));
    expect(answer.json.fromNodeRequest).toBe(sent.toString('base64'));
  });

  it('gives an empty buffer for an empty body, and nothing for a request without one', async () => {
    expect((await send('POST', Buffer.alloc(0))).json).toMatchObject({ raw: '', body: {} });
    expect((await send('GET')).json).toEqual({ raw: null });
    expect(rawBodyOf({})).toBeUndefined();
  });

  it('keeps each request’s own bytes when many arrive at once', async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.from(`{"n":${i}${' '.repeat(i)}}`));
    const answers = await Promise.all(bodies.map((body) => send('POST', body)));
    answers.forEach((answer, i) => expect(answer.json.raw, `request ${i}`).toBe(bodies[i]!.toString('base64')));
  });

  it('never reaches a handler with a body the parser refused', async () => {
    expect(await send('POST', Buffer.from('{"a":'))).toMatchObject({ status: 400, json: { code: 'MALFORMED_JSON' } });
    expect(await send('POST', Buffer.from('{"a":1}'), 'text/plain')).toMatchObject({ status: 415, json: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });
});
