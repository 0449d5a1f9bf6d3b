// A real Nest app on a real port, configured by configureHttpApp as every service is, asked over
// fetch: problem+json for every failure, body limits, validation, correlation into controllers,
// and the gateway-only guard with its decorators.
import { connect } from 'node:net';
import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MessageContext, createLogger } from '@shop/observability';
import { DomainError, InvalidValueError, ManualClock } from '@shop/shared-kernel';
import { QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureHttpApp, createHttpAdapter } from './configure-http-app.js';
import { CurrentIdentity, PublicEndpoint, RequiresRole, RequiresUser } from './identity/identity.decorators.js';
import { INTERNAL_TOKEN_HEADER, type Identity } from './identity/internal-token.js';
import { InternalTokenIssuer } from './identity/internal-token.issuer.js';
import { InternalTokenVerifier } from './identity/internal-token.verifier.js';
import { SchemaPipe } from './validation/schema.pipe.js';

const SECRET = 'test-secret-of-at-least-thirty-two-bytes!';
const logLines: Array<Record<string, unknown>> = [];
const logger = createLogger('test', { level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });

const RegisterSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', format: 'email', maxLength: 254 },
    password: { type: 'string', minLength: 8, maxLength: 200 },
    nickname: { type: 'string', maxLength: 64 },
  },
} as const;

const ListSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } },
} as const;

const BlobSchema = { type: 'object', properties: { blob: { type: 'string' } } } as const;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller()
class ProbeController {
  @Post('register')
  async register(@Body(new SchemaPipe(RegisterSchema)) body: { email: string }) {
    // Past an await, as a real use case would be when it writes its events.
    await delay(5);
    logger.info({ email: body.email }, 'registering');
    return { email: body.email, context: MessageContext.current() ?? null };
  }

  @Get('orders')
  list(@Query(new SchemaPipe(ListSchema)) query: { limit?: number }) {
    return { limit: query.limit ?? null };
  }

  @Post('blob')
  blob(@Body(new SchemaPipe(BlobSchema)) body: { blob?: string }) {
    return { length: body.blob?.length ?? 0 };
  }

  @Post('sold-out')
  soldOut() {
    throw new DomainError('SOLD_OUT', 'No coupon left.');
  }

  @Post('unmapped')
  unmapped() {
    throw new DomainError('SOMETHING_ODD', 'A rule said no.');
  }

  @Post('invalid-value')
  invalidValue() {
    throw new InvalidValueError('price', 'must be positive');
  }

  @Get('crash')
  crash() {
    throw new Error('connection string postgres://admin:hunter2@db leaked');
  }

  @Get('database-down')
  async databaseDown() {
    await delay(1);
    // What TypeORM raises when the pool cannot open a connection to a database host that refuses.
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.3:5432'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '10.0.0.3',
      port: 5432,
    });
    throw new QueryFailedError('SELECT 1', [], refused);
  }

  @Get('database-slow')
  databaseSlow() {
    throw new QueryFailedError('SELECT pg_sleep(60)', [], Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }));
  }

  @Get('me')
  @RequiresUser()
  me(@CurrentIdentity() identity: Identity | undefined) {
    return identity;
  }

  @Get('whoami')
  whoami(@CurrentIdentity() identity: Identity | undefined) {
    return { identity: identity ?? null };
  }

  @Post('admin/products')
  @RequiresRole('admin')
  createProduct() {
    return { created: true };
  }

  @Get('ping')
  @PublicEndpoint()
  ping(@CurrentIdentity() identity: Identity | undefined) {
    return { pong: true, identity: identity ?? null };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

async function start(gatewayOnly: boolean): Promise<{ app: NestFastifyApplication; base: string }> {
  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, createHttpAdapter(), { bodyParser: false, logger: false });
  configureHttpApp(app, {
    service: 'test',
    logger,
    gatewayOnly: gatewayOnly ? new InternalTokenVerifier(SECRET, 'test') : false,
    domainErrorStatus: { SOLD_OUT: 409 },
  });
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await response.json()) as Record<string, unknown>;
}

describe('an app configured by configureHttpApp', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, base } = await start(false));
  });
  afterAll(async () => {
    await app.close();
  });

  describe('answers every failure as problem+json', () => {
    it('a domain error by the service map', async () => {
      const response = await fetch(`${base}/sold-out`, json({}));
      expect(response.status).toBe(409);
      expect(await problemOf(response)).toEqual({
        type: 'urn:shop:problem:SOLD_OUT',
        title: 'Conflict',
        status: 409,
        detail: 'No coupon left.',
        code: 'SOLD_OUT',
        instance: '/sold-out',
        correlationId: response.headers.get('x-correlation-id'),
      });
    });

    it('an unmapped domain error as 422, INVALID_VALUE as 400 with its field', async () => {
      const unmapped = await fetch(`${base}/unmapped`, json({}));
      expect(unmapped.status).toBe(422);
      expect(await problemOf(unmapped)).toMatchObject({ code: 'SOMETHING_ODD', detail: 'A rule said no.' });
      const invalid = await fetch(`${base}/invalid-value`, json({}));
      expect(invalid.status).toBe(400);
      expect(await problemOf(invalid)).toMatchObject({ code: 'INVALID_VALUE', errors: [{ field: 'price', message: 'must be positive' }] });
    });

    it('an unknown route as 404 NOT_FOUND', async () => {
      const response = await fetch(`${base}/nowhere?x=1`);
      expect(response.status).toBe(404);
      expect(await problemOf(response)).toMatchObject({ status: 404, code: 'NOT_FOUND', title: 'Not Found', instance: '/nowhere' });
    });

    it('malformed JSON as 400 MALFORMED_JSON', async () => {
      const response = await fetch(`${base}/register`, json('{"email": "a@b.c",'));
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({ code: 'MALFORMED_JSON' });
    });

    it('a JSON scalar as the body as 400 MALFORMED_JSON (strict parser)', async () => {
      const response = await fetch(`${base}/register`, json('"just a string"'));
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({ code: 'MALFORMED_JSON' });
    });

    it.each([
      ['a UTF-8 byte order mark', '\ufeff{"email":"a@b.c"}', 'MALFORMED_JSON'],
      ['a __proto__ key', '{"__proto__":{"admin":true},"email":"a@b.c"}', 'MALFORMED_JSON'],
      ['a constructor key', '{"constructor":{"prototype":{"admin":true}}}', 'MALFORMED_JSON'],
      ['a top-level number', '42', 'MALFORMED_JSON'],
      ['6,000 nested arrays', '['.repeat(6_000), 'BODY_TOO_DEEP'],
      ['65 nested objects', '{"a":'.repeat(65) + '1' + '}'.repeat(65), 'BODY_TOO_DEEP'],
    ])('%s as 400 %s', async (_case, body, code) => {
      const response = await fetch(`${base}/register`, json(body));
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({ code });
      expect(response.headers.get('x-correlation-id')).toBeTruthy();
    });

    it('64 levels of nesting, and brackets inside strings, pass the depth check', async () => {
      const deep = await fetch(`${base}/blob`, json('['.repeat(64) + ']'.repeat(64)));
      expect(deep.status).toBe(400); // an array is no object: the schema refuses it, not the parser
      expect(await problemOf(deep)).toMatchObject({ code: 'VALIDATION_FAILED' });
      const brackets = await fetch(`${base}/blob`, json({ blob: '['.repeat(500) }));
      expect(brackets.status).toBe(201);
    });

    it.each([
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'email=a%40b.c'],
      ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
      ['application/json; charset=latin1', '{}'],
    ])('a %s body as 415 UNSUPPORTED_MEDIA_TYPE', async (contentType, body) => {
      const response = await fetch(`${base}/register`, { method: 'POST', headers: { 'content-type': contentType }, body });
      expect(response.status).toBe(415);
      expect(await problemOf(response)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('takes +json media types', async () => {
      const response = await fetch(`${base}/blob`, { method: 'POST', headers: { 'content-type': 'application/merge-patch+json' }, body: '{"blob":"x"}' });
      expect(response.status).toBe(201);
    });

    it.each([
      ['GET', '/'],
      ['GET', '/favicon.ico'],
      ['GET', '/api/v2/x'],
      ['DELETE', '/register'],
      ['PUT', '/orders'],
    ])('%s %s (no such route or method) as 404 NOT_FOUND', async (method, path) => {
      const response = await fetch(`${base}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await problemOf(response)).toMatchObject({ code: 'NOT_FOUND' });
      expect(response.headers.get('x-correlation-id')).toBeTruthy();
    });

    it('with security headers for an API on every answer', async () => {
      for (const response of [await fetch(`${base}/orders`), await fetch(`${base}/nowhere`)]) {
        expect(response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(response.headers.get('strict-transport-security')).toBeNull();
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('a body over 1 MiB as 413 PAYLOAD_TOO_LARGE, one under it passes', async () => {
      const tooLarge = await fetch(`${base}/blob`, json({ blob: 'x'.repeat(1024 * 1024) }));
      expect(tooLarge.status).toBe(413);
      expect(await problemOf(tooLarge)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
      expect(tooLarge.headers.get('x-correlation-id')).toBeTruthy();
      const fits = await fetch(`${base}/blob`, json({ blob: 'x'.repeat(1024 * 1024 - 100) }));
      expect(fits.status).toBe(201);
    });

    it('anything else as 500 INTERNAL without leaking it, logged with the real error', async () => {
      const response = await fetch(`${base}/crash`, { headers: { 'x-correlation-id': 'crash-1' } });
      expect(response.status).toBe(500);
      const problem = await problemOf(response);
      expect(problem).toMatchObject({ code: 'INTERNAL', correlationId: 'crash-1' });
      expect(JSON.stringify(problem)).not.toContain('hunter2');
      const logged = logLines.find((line) => line['msg'] === 'request failed unexpectedly' && line['correlationId'] === 'crash-1');
      expect(logged).toMatchObject({ level: 50, status: 500, path: '/crash', err: { message: expect.stringContaining('hunter2') } });
    });
  });

  describe('answers a database that is away or too slow as 503 with Retry-After, logged at warn without a stack', () => {
    it('a lost or refused connection as 503 DATABASE_UNAVAILABLE', async () => {
      const response = await fetch(`${base}/database-down`, { headers: { 'x-correlation-id': 'db-down-1' } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      const problem = await problemOf(response);
      expect(problem).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE', title: 'Service Unavailable', correlationId: 'db-down-1' });
      expect(JSON.stringify(problem)).not.toContain('10.0.0.3');
      const logged = logLines.find((line) => line['correlationId'] === 'db-down-1' && line['code'] === 'DATABASE_UNAVAILABLE');
      expect(logged).toMatchObject({
        level: 40,
        status: 503,
        path: '/database-down',
        cause: 'QueryFailedError ECONNREFUSED: connect ECONNREFUSED 10.0.0.3:5432',
      });
      expect(logged).not.toHaveProperty('err');
      expect(JSON.stringify(logged)).not.toContain('    at ');
    });

    it('a statement cancelled at statement_timeout as 503 DATABASE_TIMEOUT', async () => {
      const response = await fetch(`${base}/database-slow`, { headers: { 'x-correlation-id': 'db-slow-1' } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await problemOf(response)).toMatchObject({ status: 503, code: 'DATABASE_TIMEOUT', correlationId: 'db-slow-1' });
      const logged = logLines.find((line) => line['correlationId'] === 'db-slow-1' && line['code'] === 'DATABASE_TIMEOUT');
      expect(logged).toMatchObject({ level: 40, cause: expect.stringContaining('57014') });
      expect(logged).not.toHaveProperty('err');
    });
  });

  describe('validates bodies and queries by JSON Schema', () => {
    it('passes a valid body through untouched', async () => {
      const response = await fetch(`${base}/register`, json({ email: 'ann@example.com', password: 'long enough' }));
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ email: 'ann@example.com' });
    });

    it('refuses unknown fields, wrong types and missing fields with one error per field', async () => {
      const response = await fetch(`${base}/register`, json({ email: 42, admin: true }));
      expect(response.status).toBe(400);
      const problem = await problemOf(response);
      expect(problem).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'The request body is invalid.' });
      expect(problem['errors']).toEqual(
        expect.arrayContaining([
          { field: 'password', message: 'is required' },
          { field: 'admin', message: 'is not allowed' },
          { field: 'email', message: 'must be string' },
        ]),
      );
    });

    it('refuses a missing body as a whole', async () => {
      const response = await fetch(`${base}/register`, { method: 'POST' });
      expect(response.status).toBe(400);
      expect((await problemOf(response))['errors']).toEqual([{ field: 'body', message: 'must be object' }]);
    });

    it('reads query integers from plain decimals only, within the schema bounds', async () => {
      expect(await (await fetch(`${base}/orders?limit=20`)).json()).toEqual({ limit: 20 });
      for (const bad of ['0', '101', '1e1', '0x10', '-1', 'ten', '2.5']) {
        const response = await fetch(`${base}/orders?limit=${bad}`);
        expect(response.status, bad).toBe(400);
        expect((await problemOf(response))['errors'], bad).toEqual([expect.objectContaining({ field: 'limit' })]);
      }
      const unknown = await fetch(`${base}/orders?sort=desc`);
      expect((await problemOf(unknown))['errors']).toEqual([{ field: 'sort', message: 'is not allowed' }]);
    });
  });

  describe('carries the correlation id', () => {
    it("keeps the caller's sane id and runs the controller inside it, past awaits", async () => {
      const response = await fetch(`${base}/register`, json({ email: 'bo@example.com', password: 'long enough' }, { 'x-correlation-id': 'req-42' }));
      expect(response.headers.get('x-correlation-id')).toBe('req-42');
      expect(await response.json()).toMatchObject({ context: { correlationId: 'req-42', causationId: 'req-42' } });
      expect(logLines.find((line) => line['msg'] === 'registering' && line['email'] === 'bo@example.com')).toMatchObject({
        correlationId: 'req-42',
        causationId: 'req-42',
      });
    });

    it('takes x-request-id when there is no x-correlation-id', async () => {
      const response = await fetch(`${base}/register`, json({ email: 'cy@example.com', password: 'long enough' }, { 'x-request-id': 'edge:7.a_b-c' }));
      expect(response.headers.get('x-correlation-id')).toBe('edge:7.a_b-c');
    });

    it('replaces an unsafe id with a fresh UUID', async () => {
      const response = await fetch(`${base}/register`, json({ email: 'di@example.com', password: 'long enough' }, { 'x-correlation-id': 'evil\tid {"x":1}' }));
      const id = response.headers.get('x-correlation-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(await response.json()).toMatchObject({ context: { correlationId: id } });
    });

    it('keeps concurrent requests apart', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => `parallel-${i}`);
      const answers = await Promise.all(
        ids.map(async (id) =>
          (await fetch(`${base}/register`, json({ email: `${id}@example.com`, password: 'long enough' }, { 'x-correlation-id': id }))).json(),
        ),
      );
      expect(answers.map((answer) => (answer as { context: { correlationId: string } }).context.correlationId)).toEqual(ids);
    });
  });
});

describe('a service behind the gateway (gatewayOnly)', () => {
  let app: NestFastifyApplication;
  let base: string;
  const issuer = new InternalTokenIssuer(SECRET);
  // Each token is for one call: the service, the method and the path.
  const as = async (path: string, identity?: Identity, method = 'GET'): Promise<Record<string, string>> => ({
    [INTERNAL_TOKEN_HEADER]: issuer.issue({ audience: 'test', method, path }, identity),
  });

  beforeAll(async () => {
    ({ app, base } = await start(true));
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses a call without the internal token with 401 NOT_FROM_GATEWAY', async () => {
    const response = await fetch(`${base}/whoami`);
    expect(response.status).toBe(401);
    expect(await problemOf(response)).toMatchObject({ code: 'NOT_FROM_GATEWAY' });
  });

  it('refuses an expired token', async () => {
    const twoMinutesAgo = new ManualClock(new Date(Date.now() - 120_000));
    const expired = new InternalTokenIssuer(SECRET, twoMinutesAgo).issue(
      { audience: 'test', method: 'GET', path: '/whoami' },
      { userId: 'u-1', roles: ['admin'] },
    );
    const response = await fetch(`${base}/whoami`, { headers: { [INTERNAL_TOKEN_HEADER]: expired } });
    expect(response.status).toBe(401);
    expect(await problemOf(response)).toMatchObject({ code: 'NOT_FROM_GATEWAY' });
    expect(logLines.find((line) => line['msg'] === 'internal token refused')).toMatchObject({ level: 40, reason: expect.stringContaining('exp') });
  });

  it('refuses a token signed with another secret', async () => {
    const forged = new InternalTokenIssuer('another-secret-of-at-least-32-bytes!!').issue(
      { audience: 'test', method: 'GET', path: '/whoami' },
      { userId: 'u-1', roles: ['admin'] },
    );
    const response = await fetch(`${base}/whoami`, { headers: { [INTERNAL_TOKEN_HEADER]: forged } });
    expect(response.status).toBe(401);
    expect(await problemOf(response)).toMatchObject({ code: 'NOT_FROM_GATEWAY' });
  });

  it('serves an anonymous gateway call without an identity, and a signed-in one with it', async () => {
    expect(await (await fetch(`${base}/whoami`, { headers: await as('/whoami') })).json()).toEqual({ identity: null });
    const response = await fetch(`${base}/me`, { headers: await as('/me', { userId: 'u-1', roles: ['customer'] }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: 'u-1', roles: ['customer'] });
  });

  it('answers 401 UNAUTHENTICATED where a user is required and the call is anonymous', async () => {
    const response = await fetch(`${base}/me`, { headers: await as('/me') });
    expect(response.status).toBe(401);
    expect(await problemOf(response)).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('answers 403 FORBIDDEN without the role, and serves the admin', async () => {
    const customer = await fetch(`${base}/admin/products`, {
      method: 'POST',
      headers: await as('/admin/products', { userId: 'u-1', roles: ['customer'] }, 'POST'),
    });
    expect(customer.status).toBe(403);
    expect(await problemOf(customer)).toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = await fetch(`${base}/admin/products`, { method: 'POST', headers: await as('/admin/products', undefined, 'POST') });
    expect(anonymous.status).toBe(401);
    const admin = await fetch(`${base}/admin/products`, {
      method: 'POST',
      headers: await as('/admin/products', { userId: 'u-9', roles: ['customer', 'admin'] }, 'POST'),
    });
    expect(admin.status).toBe(201);
  });

  it('serves a public endpoint without a token, and reads one that comes along', async () => {
    expect(await (await fetch(`${base}/ping`)).json()).toEqual({ pong: true, identity: null });
    expect(await (await fetch(`${base}/ping`, { headers: { [INTERNAL_TOKEN_HEADER]: 'garbage' } })).json()).toEqual({ pong: true, identity: null });
    const signedIn = await fetch(`${base}/ping`, { headers: await as('/ping', { userId: 'u-2', roles: [] }) });
    expect(await signedIn.json()).toEqual({ pong: true, identity: { userId: 'u-2', roles: [] } });
  });

  it('still answers unknown routes 404 (no route, no guard)', async () => {
    const response = await fetch(`${base}/nowhere`);
    expect(response.status).toBe(404);
  });
});

describe('the HTTP server of an app', () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, createHttpAdapter({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 }), {
      bodyParser: false,
      logger: false,
    });
    configureHttpApp(app, { service: 'test', logger, gatewayOnly: false, corsOrigins: ['https://shop.example'] });
    await app.listen(0, '127.0.0.1');
    port = Number(new URL(await app.getUrl()).port);
  });
  afterAll(async () => {
    await app.close();
  });

  /** Opens a connection, writes `chunks` one by one `everyMs` apart, and resolves once it is closed: what came back, and whether the client was still writing. */
  function slowClient(chunks: string[], everyMs: number): Promise<{ cutWhileWriting: boolean; answer: string }> {
    return new Promise((resolve) => {
      let answer = '';
      const socket = connect(port, '127.0.0.1');
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < chunks.length && !socket.destroyed) socket.write(chunks[sent++]!);
      }, everyMs);
      socket.on('data', (data) => (answer += data.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ cutWhileWriting: sent < chunks.length, answer });
      });
    });
  }

  it('cuts a client that never finishes its headers', async () => {
    // 100 header lines 200 ms apart take 20 s: the server (headers timeout 1 s) must close the connection long before.
    const { cutWhileWriting, answer } = await slowClient(
      Array.from({ length: 100 }, (_, index) => (index === 0 ? 'GET /orders HTTP/1.1\r\nHost: x\r\n' : `x-slow-${index}: 1\r\n`)),
      200,
    );
    expect(cutWhileWriting).toBe(true);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('cuts a client that never finishes its body', async () => {
    const head = 'POST /blob HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    // 100 body bytes 100 ms apart take 10 s: the server (request timeout 2 s) must close the connection long before.
    const { cutWhileWriting, answer } = await slowClient([head, ...Array.from({ length: 100 }, () => ' ')], 100);
    expect(cutWhileWriting).toBe(true);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('logs one line per request at info: method, route template, status, duration, correlation id; no body, no query', async () => {
    await fetch(`http://127.0.0.1:${port}/orders?limit=5`, { headers: { 'x-correlation-id': 'access-1' } });
    await fetch(`http://127.0.0.1:${port}/register`, json({ email: 'x', password: 'hunter2hunter2' }, { 'x-correlation-id': 'access-2' }));
    await fetch(`http://127.0.0.1:${port}/no/such/thing`, { headers: { 'x-correlation-id': 'access-3' } });
    await delay(20);
    const lines = logLines.filter((line) => line['msg'] === 'request' && String(line['correlationId']).startsWith('access-'));
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, method: 'GET', route: '/orders', status: 200, correlationId: 'access-1', durationMs: expect.any(Number) }),
      expect.objectContaining({ method: 'POST', route: '/register', status: 400, correlationId: 'access-2' }),
      expect.objectContaining({ method: 'GET', route: 'unmatched', status: 404, correlationId: 'access-3' }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|limit=5/);
  });

  it('answers CORS only for the configured origins, without credentials', async () => {
    const listOf = (response: Response, header: string) => (response.headers.get(header) ?? '').split(/,\s*/);
    const preflight = (origin: string) =>
      fetch(`http://127.0.0.1:${port}/register`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight('https://shop.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(listOf(allowed, 'access-control-allow-methods')).toEqual(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
    expect(listOf(allowed, 'access-control-allow-headers')).toEqual([
      'authorization',
      'content-type',
      'idempotency-key',
      'if-match',
      'if-none-match',
      'x-correlation-id',
    ]);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    // A front-end may read the headers it needs to retry, report, follow a Location, replay safely and
    // go to a paged list's next page.
    const simple = await fetch(`http://127.0.0.1:${port}/register`, {
      method: 'POST',
      headers: { origin: 'https://shop.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(simple.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(listOf(simple, 'access-control-expose-headers')).toEqual([
      'retry-after',
      'x-correlation-id',
      'location',
      'etag',
      'idempotent-replayed',
      'link',
      'next-cursor',
    ]);
  });
});

describe('an app configured with requestContext: false (the gateway)', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, createHttpAdapter(), { bodyParser: false, logger: false });
    configureHttpApp(app, { service: 'test', logger, gatewayOnly: false, requestContext: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs the handler outside MessageContext, and still echoes the correlation id and logs it on the unexpected failure and the access line', async () => {
    const registered = await fetch(`${base}/register`, json({ email: 'a@example.com', password: 'long enough' }, { 'x-correlation-id': 'no-ctx-1' }));
    expect(registered.status).toBe(201);
    expect(registered.headers.get('x-correlation-id')).toBe('no-ctx-1');
    expect(((await registered.json()) as { context: unknown }).context).toBeNull();

    const crashed = await fetch(`${base}/crash`, { headers: { 'x-correlation-id': 'no-ctx-2' } });
    expect(crashed.status).toBe(500);
    expect(await problemOf(crashed)).toMatchObject({ correlationId: 'no-ctx-2' });
    expect(logLines.some((line) => line['msg'] === 'request failed unexpectedly' && line['correlationId'] === 'no-ctx-2')).toBe(true);
    expect(logLines.some((line) => line['msg'] === 'request' && line['correlationId'] === 'no-ctx-2')).toBe(true);
  });
});
