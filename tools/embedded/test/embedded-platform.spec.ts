import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_NAMES, PAYMENT_SIGNATURE_HEADER, type UserRegisteredV1 } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { EventProbe, capturingLogger, sleep, waitFor } from '@shop/testing';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../src/embedded-platform.js';

/** End to end on the embedded defaults: gateway and contexts in this process, SQLite, in-memory transport. */
const dataDirs: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'shop-embedded-'));
  dataDirs.push(dir);
  return dir;
};
afterAll(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const start = (dataDir: string, env: NodeJS.ProcessEnv = {}) =>
  startEmbeddedPlatform({ dataDir, port: 0, host: '127.0.0.1', env: { RATE_LIMIT_PER_MINUTE: '0', ...env }, logger: silentLogger() });

const probe = (platform: EmbeddedPlatform) => EventProbe.listen<UserRegisteredV1>(platform.transport, 'e2e_probe', ['user.registered.v1']);

const call = (
  platform: EmbeddedPlatform,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
) =>
  fetch(`${platform.apiUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });

const countRows = (dataDir: string, sql: string): number => {
  const db = new Database(join(dataDir, 'user.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return Number((db.prepare(sql).get() as { n: number }).n);
  } finally {
    db.close();
  }
};

describe('the embedded platform', () => {
  let platform: EmbeddedPlatform;
  let dataDir: string;
  let events: EventProbe<UserRegisteredV1>;

  beforeAll(async () => {
    dataDir = newDataDir();
    platform = await start(dataDir);
    events = (await probe(platform)).probe;
  });
  afterAll(() => platform?.close());

  it('registers, logs in and answers /me through the gateway; user.registered.v1 carries the request’s correlation id', async () => {
    const registered = await call(platform, 'POST', '/auth/register', {
      body: { email: 'Ada@Example.com', password: 'correct horse', nickname: 'Ada' },
      headers: { 'x-correlation-id': 'e2e-register-1' },
    });
    expect(registered.status).toBe(201);
    const user = (await registered.json()) as { userId: string; email: string; nickname: string };
    expect(user).toMatchObject({ email: 'Ada@Example.com', nickname: 'Ada' });

    const login = await call(platform, 'POST', '/auth/login', { body: { email: 'ada@example.com', password: 'correct horse' } });
    expect(login.status).toBe(200);
    const { accessToken, tokenType, expiresIn } = (await login.json()) as { accessToken: string; tokenType: string; expiresIn: number };
    expect(tokenType).toBe('Bearer');
    expect(expiresIn).toBeGreaterThan(0);

    const me = await call(platform, 'GET', '/me', { token: accessToken });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ userId: user.userId, email: 'Ada@Example.com', nickname: 'Ada', roles: ['customer'] });

    const event = await waitFor(() => events.seen.find((e) => e.aggregateId === user.userId), { what: 'user.registered.v1' });
    expect(event).toMatchObject({ type: 'user.registered.v1', source: 'user', correlationId: 'e2e-register-1', payload: { userId: user.userId } });
  });

  it('refuses missing and bad tokens, and a direct call to a service that bypasses the gateway', async () => {
    expect((await call(platform, 'GET', '/me')).status).toBe(401);
    expect((await call(platform, 'GET', '/me', { token: 'not.a.jwt' })).status).toBe(401);
    const direct = await fetch(`${platform.services.find((s) => s.service === 'user')!.url}/me`);
    expect(direct.status).toBe(401);
    expect(direct.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await direct.json()) as { code: string }).code).toBe('NOT_FROM_GATEWAY');
  });

  it('never lets one user read another’s profile', async () => {
    const tokens: Record<string, string> = {};
    for (const name of ['bea', 'cal']) {
      await call(platform, 'POST', '/auth/register', { body: { email: `${name}@example.com`, password: 'long enough pw' } });
      const login = await call(platform, 'POST', '/auth/login', { body: { email: `${name}@example.com`, password: 'long enough pw' } });
      tokens[name] = ((await login.json()) as { accessToken: string }).accessToken;
    }
    for (const name of ['bea', 'cal']) {
      const me = (await (await call(platform, 'GET', '/me', { token: tokens[name] })).json()) as { email: string };
      expect(me.email).toBe(`${name}@example.com`);
    }
  });

  it('answers bad input on every route with a 4xx problem+json and stores nothing', async () => {
    const usersBefore = countRows(dataDir, 'SELECT COUNT(*) AS n FROM users');
    const outboxBefore = countRows(dataDir, 'SELECT COUNT(*) AS n FROM outbox');
    const cases: Array<[string, string, Parameters<typeof call>[3], number]> = [
      ['POST', '/auth/register', { raw: '{"email": "x@example.com", ' }, 400],
      ['POST', '/auth/register', { body: { email: 'd@example.com', password: 'long enough pw', admin: true } }, 400],
      ['POST', '/auth/register', { body: { email: 42, password: 'long enough pw' } }, 400],
      ['POST', '/auth/register', { body: { email: 'e@example.com', password: 'short' } }, 400],
      ['POST', '/auth/register', { body: { email: 'not-an-email', password: 'long enough pw' } }, 400],
      ['POST', '/auth/register', { body: { email: 'f@example.com', password: 'long enough pw', nickname: 'n'.repeat(65) } }, 400],
      ['POST', '/auth/register', { body: [] }, 400],
      ['POST', '/auth/register', { raw: JSON.stringify({ email: 'g@example.com', password: 'long enough pw', nickname: 'x'.repeat(1_100_000) }) }, 413],
      ['POST', '/auth/register', { body: { email: 'ADA@example.com', password: 'long enough pw' } }, 409],
      ['POST', '/auth/login', { raw: 'nope' }, 400],
      ['POST', '/auth/login', { body: { email: 'ada@example.com' } }, 400],
      ['POST', '/auth/login', { body: { email: 'ada@example.com', password: 'wrong password' } }, 401],
      ['GET', '/me', { token: 'x' }, 401],
    ];
    for (const [method, path, options, status] of cases) {
      const response = await call(platform, method, path, options);
      expect(response.status, `${method} ${path} ${JSON.stringify(options).slice(0, 80)}`).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await response.json()) as { status: number; code: string; title: string };
      expect(problem.status).toBe(status);
      expect(problem.code).toMatch(/^[A-Z_]+$/);
    }
    expect(countRows(dataDir, 'SELECT COUNT(*) AS n FROM users')).toBe(usersBefore);
    expect(countRows(dataDir, 'SELECT COUNT(*) AS n FROM outbox')).toBe(outboxBefore);
  });
});

describe('the embedded platform, restarted on the same data folder', () => {
  it('keeps its users and tokens, and emits no event twice', async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    const firstEvents = (await probe(first)).probe;
    await call(first, 'POST', '/auth/register', { body: { email: 'dora@example.com', password: 'long enough pw' } });
    const token = (
      (await (await call(first, 'POST', '/auth/login', { body: { email: 'dora@example.com', password: 'long enough pw' } })).json()) as { accessToken: string }
    ).accessToken;
    await waitFor(() => firstEvents.seen.length === 1, { what: 'the registration event' });
    await first.close();
    expect(countRows(dataDir, 'SELECT COUNT(*) AS n FROM outbox_pending')).toBe(0);

    const second = await start(dataDir);
    try {
      const secondEvents = (await probe(second)).probe;
      const me = await call(second, 'GET', '/me', { token });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { email: string }).email).toBe('dora@example.com');
      await sleep(500);
      expect(secondEvents.seen).toHaveLength(0);
      expect(countRows(dataDir, 'SELECT COUNT(*) AS n FROM outbox')).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe('the embedded platform’s delivery', () => {
  it('keeps an event for a declared subscriber that is not consuming yet in the outbox, and delivers it when it starts', async () => {
    const dataDir = newDataDir();
    const platform = await start(dataDir);
    try {
      await platform.transport.declareTopology([{ service: 'e2e_late', eventTypes: ['user.registered.v1'] }]);
      expect((await call(platform, 'POST', '/auth/register', { body: { email: 'late@example.com', password: 'long enough pw' } })).status).toBe(201);
      await sleep(500);
      expect(countRows(dataDir, 'SELECT COUNT(*) AS n FROM outbox_pending')).toBe(1);

      const late = (await EventProbe.listen<UserRegisteredV1>(platform.transport, 'e2e_late', ['user.registered.v1'])).probe;
      await waitFor(() => late.seen.length === 1, { what: 'the late subscriber to get the registration' });
      await waitFor(() => countRows(dataDir, 'SELECT COUNT(*) AS n FROM outbox_pending') === 0, { what: 'the row to be marked sent' });
      expect(late.seen[0]).toMatchObject({ type: 'user.registered.v1', source: 'user' });
    } finally {
      await platform.close();
    }
  });

  it('stops publishing before it stops any context', async () => {
    const platform = await start(newDataDir());
    expect(platform.transport.isReady()).toBe(true);
    const closing = platform.close();
    // Before the first context is asked to stop: relays find the transport closed to publishing.
    expect(platform.transport.isReady()).toBe(false);
    await closing;
  });
});

describe('the embedded platform’s messaging settings', () => {
  it('validates the messaging variables like a service process does: a bad one stops the start, named', async () => {
    await expect(start(newDataDir(), { HANDLER_TIMEOUT_MS: 'soon', SHUTDOWN_TIMEOUT_MS: '-1' })).rejects.toThrow(
      /HANDLER_TIMEOUT_MS[\s\S]*SHUTDOWN_TIMEOUT_MS/,
    );
  });
});

describe('the embedded platform’s rate limit', () => {
  it('answers 429 with Retry-After once a client has used its requests for the minute', async () => {
    const platform = await start(newDataDir(), { RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const response = await call(platform, 'POST', '/auth/login', { body: { email: 'nobody@example.com', password: 'whatever pw' } });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await platform.close();
    }
  });
});

/** A provider's callback for a payment nobody made, with odd spacing and escapes a re-encoding would change. */
const strayCallback = () =>
  `{ "eventId":"${randomUUID()}" ,"type":"payment.succeeded",\n "paymentId":"${randomUUID()}","providerPaymentId":"sbx_\\u0031",` +
  `"amount":8000,"currency":"CNY","occurredAt":"${new Date().toISOString()}" }\n`;
/** `Payment-Signature` as a provider signs: HMAC-SHA256 of "<unix seconds>.<the body's bytes>". */
const signed = (secret: string, body: string) => {
  const at = Math.floor(Date.now() / 1000);
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`;
};
const secretsOf = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;

describe('the embedded platform’s payment context', () => {
  it('runs the five contexts, payments on the sandbox, their callbacks checked with the development webhook secret through the gateway', async () => {
    const dataDir = newDataDir();
    const platform = await start(dataDir);
    try {
      expect(CONTEXT_NAMES).toEqual(['user', 'order', 'coupon', 'points', 'payment']);
      expect(platform.services.map((service) => service.service)).toEqual([...CONTEXT_NAMES, 'gateway']);
      const { paymentWebhookSecret } = secretsOf(dataDir);
      expect(paymentWebhookSecret!.length).toBeGreaterThanOrEqual(32);

      // Signed with the platform's secret, byte for byte through the gateway: the signature holds, and the payment is looked for.
      const body = strayCallback();
      const genuine = await call(platform, 'POST', '/payments/callback', {
        raw: body,
        headers: { [PAYMENT_SIGNATURE_HEADER]: signed(paymentWebhookSecret!, body) },
      });
      expect(genuine.status).toBe(404);
      expect(await genuine.json()).toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
      // Signed with any other secret, or not at all: refused before anything is read.
      const forged = await call(platform, 'POST', '/payments/callback', { raw: body, headers: { [PAYMENT_SIGNATURE_HEADER]: signed('x'.repeat(48), body) } });
      expect(forged.status).toBe(401);
      expect(await forged.json()).toMatchObject({ code: 'INVALID_SIGNATURE' });
      expect((await call(platform, 'POST', '/payments/callback', { raw: body })).status).toBe(401);
    } finally {
      await platform.close();
    }
  });

  it('takes PAYMENT_WEBHOOK_SECRET from the environment over the development one', async () => {
    const dataDir = newDataDir();
    const secret = 'an-operator-chosen-webhook-secret-of-48-chars!!!';
    const platform = await start(dataDir, { PAYMENT_WEBHOOK_SECRET: secret });
    try {
      const body = strayCallback();
      expect((await call(platform, 'POST', '/payments/callback', { raw: body, headers: { [PAYMENT_SIGNATURE_HEADER]: signed(secret, body) } })).status).toBe(
        404,
      );
      const development = secretsOf(dataDir).paymentWebhookSecret!;
      expect(
        (await call(platform, 'POST', '/payments/callback', { raw: body, headers: { [PAYMENT_SIGNATURE_HEADER]: signed(development, body) } })).status,
      ).toBe(401);
    } finally {
      await platform.close();
    }
  });

  it('refuses to start with the sandbox turned off, there being no other provider, naming PAYMENT_SANDBOX', async () => {
    await expect(start(newDataDir(), { PAYMENT_SANDBOX: 'false' })).rejects.toThrow(/PAYMENT_SANDBOX/);
  });

  it('takes PAYMENT_SANDBOX as set, like every variable: exported empty, it is refused by name rather than read as on', async () => {
    await expect(start(newDataDir(), { PAYMENT_SANDBOX: '' })).rejects.toThrow(/PAYMENT_SANDBOX: invalid; expected true or false/);
  });

  it('gives the gateway its logger, as every context: a request through it is logged on the platform’s logger (a silent platform has a silent gateway)', async () => {
    const { logger, lines } = capturingLogger({ service: 'embedded', level: 'info' });
    const platform = await startEmbeddedPlatform({ dataDir: newDataDir(), port: 0, host: '127.0.0.1', env: { RATE_LIMIT_PER_MINUTE: '0' }, logger });
    try {
      expect((await fetch(`${platform.apiUrl}/openapi.json`)).status).toBe(200);
      await waitFor(() => lines.some((line) => line.service === 'gateway' && line.msg === 'request'));
      expect(lines).toContainEqual(expect.objectContaining({ service: 'gateway', msg: 'request', route: '/api/v1/openapi.json', status: 200 }));
    } finally {
      await platform.close();
    }
  });
});
