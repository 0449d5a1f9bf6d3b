// What the bad-input battery (tools/embedded/test/bad-input-battery.spec.ts) found at the HTTP edge,
// on a real app made as every service is: bodies the parser read too leniently (invalid UTF-8 became
// U+FFFD and passed as text; a gzip-labelled body was read as plain JSON), and refusals made before
// any hook runs (a broken percent-encoding, an over-long parameter, headers over the size limit,
// request framing Node's parser refuses) answered Fastify's plain JSON instead of problem+json.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { silentLogger } from '@shop/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureHttpApp, createHttpAdapter } from '../configure-http-app.js';
import { SchemaPipe } from '../validation/schema.pipe.js';

const NicknameSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['nickname'],
  properties: { nickname: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

@Controller()
class ProbeController {
  @Post('nickname')
  nickname(@Body(new SchemaPipe(NicknameSchema)) body: { nickname: string }) {
    return { nickname: body.nickname };
  }

  @Get('items/:id')
  item(@Param('id') id: string) {
    return { id };
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

/** node:http sends the path and the body bytes as given (fetch would normalise the one and re-encode the other). */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) {
  return new Promise<{ status: number; contentType: string; json: Record<string, unknown> }>((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('the JSON body parser', () => {
  it('refuses a body that is not valid UTF-8 with 400 MALFORMED_JSON, instead of reading U+FFFD into a field', async () => {
    const body = Buffer.concat([Buffer.from('{"nickname":"Bat'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('tery"}')]);
    const answer = await send('POST', '/nickname', { 'content-type': 'application/json' }, body);
    expect(answer).toMatchObject({ status: 400, contentType: PROBLEM, json: { code: 'MALFORMED_JSON', detail: 'The request body is not valid UTF-8.' } });
    // Valid multi-byte UTF-8 is of course read.
    const fine = await send('POST', '/nickname', { 'content-type': 'application/json' }, Buffer.from('{"nickname":"Zoë 🦊"}'));
    expect(fine).toMatchObject({ status: 201, json: { nickname: 'Zoë 🦊' } });
  });

  it.each(['gzip', 'deflate', 'br', 'x-anything'])('refuses a body with Content-Encoding: %s (nothing decodes it) with 415', async (encoding) => {
    const answer = await send('POST', '/nickname', { 'content-type': 'application/json', 'content-encoding': encoding }, Buffer.from('{"nickname":"Ada"}'));
    expect(answer).toMatchObject({ status: 415, contentType: PROBLEM, json: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('takes Content-Encoding: identity', async () => {
    const answer = await send('POST', '/nickname', { 'content-type': 'application/json', 'content-encoding': 'identity' }, Buffer.from('{"nickname":"Ada"}'));
    expect(answer.status).toBe(201);
  });
});

describe('refusals made before any hook runs are problem+json too', () => {
  it('a path with a broken percent-encoding: 400 MALFORMED_URL', async () => {
    const answer = await send('GET', '/items/%zz');
    expect(answer).toMatchObject({ status: 400, contentType: PROBLEM, json: { status: 400, code: 'MALFORMED_URL', instance: '/items/%zz' } });
  });

  it('a route parameter over the router limit: 414 URI_TOO_LONG', async () => {
    const answer = await send('GET', `/items/${'a'.repeat(500)}`);
    expect(answer).toMatchObject({ status: 414, contentType: PROBLEM, json: { status: 414, code: 'URI_TOO_LONG' } });
  });

  it('a request target over 8 KiB: 414 URI_TOO_LONG, before any guard or handler', async () => {
    const answer = await send('GET', `/items/1?q=${'a'.repeat(9_000)}`);
    expect(answer).toMatchObject({ status: 414, contentType: PROBLEM, json: { status: 414, code: 'URI_TOO_LONG' } });
    expect((await send('GET', `/items/1?q=${'a'.repeat(7_000)}`)).status).not.toBe(414);
  });

  it('a request line over the header size limit: 431 HEADERS_TOO_LARGE', async () => {
    const answer = await send('GET', `/items/1?q=${'a'.repeat(20_000)}`);
    expect(answer).toMatchObject({ status: 431, contentType: PROBLEM, json: { status: 431, code: 'HEADERS_TOO_LARGE' } });
  });

  it('framing Node refuses (Content-Length with Transfer-Encoding): 400 MALFORMED_REQUEST, and the connection closed', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => reject(new Error('the connection stayed open')), 5_000);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      socket.on('error', reject);
      socket.write(
        'POST /nickname HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      );
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain(`\r\nContent-Type: ${PROBLEM}\r\n`);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST', title: 'Bad Request' });
  });
});
