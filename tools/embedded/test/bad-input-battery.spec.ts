// Issue 8, "what must be shown": bad input on every route of the gateway answers a 4xx
// application/problem+json with a code, never a 5xx, and changes nothing (the rows of the user
// service's `users` and `outbox` and of the order, coupon, points and payment services' tables are counted around every case).
// Through the real gateway and services: the embedded platform, on SQLite in a temporary data folder.
// The rows are made from HTTP_ROUTES (bad-input-cases.ts), so a new context's routes are covered once
// it is in CONTEXTS; an admin route's rows are sent with an administrator's token.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ROUTES, type HttpRoute } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { waitFor } from '@shop/testing';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../src/embedded-platform.js';
import {
  API_PREFIX,
  badInputCases,
  sampleBodyOf,
  samplePathOf,
  signatureHeadersFor,
  type BadInputCase,
  type BatteryContext,
  type PaymentSamples,
  type RawRequest,
} from './bad-input-cases.js';

const REQUEST_TIMEOUT_MS = 10_000;
const ADMIN = { email: 'battery-admin@example.com', password: 'correct horse battery admin' };
const WEBHOOK_SECRET = randomBytes(32).toString('hex');
/** The tables whose rows every case must leave as they were, database by database (`<service>.sqlite`). */
const WATCHED_TABLES = {
  user: ['users', 'outbox'],
  order: ['orders', 'order_line', 'order_history', 'order_payment', 'order_product', 'order_catalog_seed', 'outbox'],
  coupon: ['coupon_template', 'coupon', 'coupon_claim_count', 'coupon_reservation', 'outbox'],
  points: ['points_account', 'points_ledger', 'points_order', 'outbox'],
  payment: ['payment', 'payment_payable_order', 'payment_sandbox_charge', 'outbox'],
} as const;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** Sends the request as given (node:http leaves the path and the body alone), bounded in time. */
function send(origin: URL, raw: RawRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...raw.headers };
    if (raw.body !== undefined) headers['content-length'] = raw.body.length;
    let answered = false;
    const request = httpRequest(
      { host: origin.hostname, port: origin.port, method: raw.method, path: raw.path, headers, agent: false, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    // A server may answer (413) and close before a large body is all written: the answer is what counts.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.end(raw.body);
  });
}

const dataDirs: string[] = [];
afterAll(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('the bad-input battery, on every route through the gateway', () => {
  let platform: EmbeddedPlatform;
  let origin: URL;
  let dbs: Array<readonly [string, Database.Database]>;
  let context: BatteryContext;
  let adminContext: BatteryContext;
  let cases: BadInputCase[];
  const contextFor = (route: HttpRoute) => (route.access === 'admin' ? adminContext : context);
  /** Every watched table's row count, `service.table=n`, in one string. */
  const count = () =>
    dbs
      .flatMap(([service, db]) =>
        WATCHED_TABLES[service as keyof typeof WATCHED_TABLES].map(
          (table) => `${service}.${table}=${(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n}`,
        ),
      )
      .join(' ');

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shop-battery-'));
    dataDirs.push(dataDir);
    platform = await startEmbeddedPlatform({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      // No address limit, and no account lock: every row must meet the check it is about.
      // The callback's rows are signed with the webhook secret, so that each is refused for its body.
      env: {
        RATE_LIMIT_PER_MINUTE: '0',
        LOGIN_MAX_FAILURES: '100000',
        SHOP_ADMIN_EMAIL: ADMIN.email,
        SHOP_ADMIN_PASSWORD: ADMIN.password,
        PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
      logger: silentLogger(),
    });
    origin = new URL(platform.apiUrl);
    const account = { email: 'battery@example.com', password: 'correct horse battery' };
    const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      send(origin, { method: 'POST', path: `${API_PREFIX}${path}`, headers, body: Buffer.from(JSON.stringify(body)) });
    expect((await post('/auth/register', account)).status).toBe(201);
    const login = await post('/auth/login', account);
    expect(login.status).toBe(200);
    const token = (JSON.parse(login.text) as { accessToken: string }).accessToken;
    // A product of the demo catalog (seeded at start in the embedded mode): what the order samples buy.
    const catalog = await send(origin, { method: 'GET', path: `${API_PREFIX}/products`, headers: { authorization: `Bearer ${token}` } });
    expect(catalog.status, catalog.text).toBe(200);
    const [product] = JSON.parse(catalog.text) as Array<{ sku: string }>;
    if (!product) throw new Error('the demo catalog is empty');
    const authorized = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // Each service's own database, read-only, next to the service that writes it (WAL: each count sees the last commit).
    dbs = Object.keys(WATCHED_TABLES).map(
      (service) => [service, new Database(join(dataDir, `${service}.sqlite`), { readonly: true, fileMustExist: true })] as const,
    );
    const db = (service: string) => dbs.find(([name]) => name === service)![1];
    // The payment samples: two orders awaiting their payment (no coupon, no points: at once), a payment started for the first.
    const placeOrder = async () => {
      const placed = await post('/orders', { items: [{ sku: product.sku, quantity: 1 }], pointsToUse: 0 }, authorized);
      expect(placed.status, placed.text).toBe(202);
      return JSON.parse(placed.text) as { orderId: string };
    };
    const [paid, payable] = [await placeOrder(), await placeOrder()];
    const started = await waitFor(
      async () => {
        const answer = await post('/payments', { orderId: paid.orderId }, authorized);
        return answer.status === 404 ? undefined : answer;
      },
      { what: 'the payment context to know the order', timeoutMs: 20_000 },
    );
    expect(started.status, started.text).toBe(201);
    const payment = JSON.parse(started.text) as { paymentId: string; amount: number };
    const charge = db('payment').prepare('SELECT provider_payment_id FROM payment WHERE payment_id = ?').get(payment.paymentId) as {
      provider_payment_id: string;
    };
    const samples: PaymentSamples = {
      payableOrderId: payable.orderId,
      paymentId: payment.paymentId,
      providerPaymentId: charge.provider_payment_id,
      amount: payment.amount,
      webhookSecret: WEBHOOK_SECRET,
    };
    context = { account, token, sku: product.sku, payment: samples };
    const adminLogin = await post('/auth/login', ADMIN);
    expect(adminLogin.status).toBe(200);
    adminContext = { account: ADMIN, token: (JSON.parse(adminLogin.text) as { accessToken: string }).accessToken, sku: product.sku, payment: samples };
    // Both registrations give a sign-up bonus through user.registered.v1.
    for (const { token } of [context, adminContext]) {
      await waitFor(
        async () => {
          const answer = await send(origin, { method: 'GET', path: `${API_PREFIX}/me/points`, headers: { authorization: `Bearer ${token}` } });
          return answer.status === 200 && (JSON.parse(answer.text) as { lifetimeEarned: number }).lifetimeEarned > 0;
        },
        { what: 'the sign-up bonus', timeoutMs: 20_000 },
      );
    }
    // Both orders are known to the payment context, and every event written so far is delivered (the
    // in-memory transport deletes a pending outbox row once every subscriber has committed, and a
    // subscriber's own events are pending from that commit on): once so, nothing changes the rows but the cases.
    const pendingEvents = () => dbs.reduce((sum, [, db]) => sum + (db.prepare('SELECT COUNT(*) AS n FROM outbox_pending').get() as { n: number }).n, 0);
    await waitFor(
      () =>
        (db('payment').prepare('SELECT COUNT(*) AS n FROM payment_payable_order').get() as { n: number }).n === 2 &&
        pendingEvents() === 0 &&
        pendingEvents() === 0,
      { what: 'every event delivered', timeoutMs: 20_000 },
    );
    cases = HTTP_ROUTES.flatMap((route) => badInputCases([route], contextFor(route)));
  }, 60_000);
  afterAll(async () => {
    dbs?.forEach(([, db]) => db.close());
    await platform?.close();
  });

  it('has at least 83 rows, every route of HTTP_ROUTES among them, and each body route with its body rows', () => {
    expect(cases.length).toBeGreaterThanOrEqual(83);
    console.info(`bad-input battery: ${cases.length} rows over ${HTTP_ROUTES.length} routes`);
    for (const route of HTTP_ROUTES) {
      const rows = cases.filter((row) => row.name.startsWith(`${route.method} ${route.path}:`));
      expect(rows.length, `${route.method} ${route.path}`).toBeGreaterThan(route.requestBody ? 40 : 5);
    }
    expect(new Set(cases.map((row) => row.name)).size).toBe(cases.length);
  });

  it('answers every row with its 4xx problem+json and a code, and stores nothing', async () => {
    const rowsAtStart = count();
    const failures: string[] = [];
    for (const row of cases) {
      const rowsBefore = count();
      let answer: Answer;
      try {
        answer = await send(origin, row.request);
      } catch (error) {
        failures.push(`${row.name}: no answer (${(error as Error).message})`);
        continue;
      }
      const [low, high] = typeof row.status === 'number' ? [row.status, row.status] : row.status;
      const wrong: string[] = [];
      if (answer.status < low || answer.status > high) wrong.push(`status ${answer.status}, expected ${low === high ? low : `${low}-${high}`}`);
      const contentType = String(answer.headers['content-type'] ?? '');
      if (!contentType.startsWith('application/problem+json')) wrong.push(`content-type '${contentType}'`);
      let problem: { status?: unknown; code?: unknown } = {};
      try {
        problem = JSON.parse(answer.text) as typeof problem;
      } catch {
        wrong.push(`a body that is not JSON: ${answer.text.slice(0, 80)}`);
      }
      if (problem.status !== answer.status) wrong.push(`problem.status ${String(problem.status)}`);
      if (typeof problem.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(problem.code)) wrong.push(`code ${JSON.stringify(problem.code)}`);
      else if (row.code !== undefined && problem.code !== row.code) wrong.push(`code ${problem.code}, expected ${row.code}`);
      const rowsAfter = count();
      if (rowsAfter !== rowsBefore) wrong.push(`rows ${rowsBefore} became ${rowsAfter}`);
      if (wrong.length > 0) failures.push(`${row.name}: ${wrong.join('; ')} (${answer.text.slice(0, 160)})`);
    }
    expect(failures).toEqual([]);
    expect(count()).toBe(rowsAtStart);
  }, 120_000);

  // The rows mutate one thing of a sample body: the sample itself must get past every check, or a row
  // could pass for a reason other than its own.
  it.each(HTTP_ROUTES.filter((route) => route.requestBody).map((route) => [`${route.method} ${route.path}`, route] as const))(
    'accepts the sample body of %s that the rows mutate',
    async (_name, route) => {
      const body = Buffer.from(JSON.stringify(sampleBodyOf(route, contextFor(route))));
      const answer = await send(origin, {
        method: route.method,
        path: samplePathOf(route, contextFor(route)),
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${contextFor(route).token}`,
          ...signatureHeadersFor(route, contextFor(route), body),
        },
        body,
      });
      expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
      expect(answer.status, answer.text).toBeLessThan(300);
    },
  );
});

/** Raw bytes on a socket: what an HTTP client library would never send. Resolves with what came back once the server closes or goes quiet. */
function exchange(origin: URL, bytes: Buffer | string, options: { halfClose?: boolean } = {}): Promise<{ text: string; closed: boolean }> {
  const quietMs = 1_500;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(origin.port), origin.hostname);
    const chunks: Buffer[] = [];
    let quiet: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(quiet);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    // Never a hang: after an answer, a quiet connection is a clean keep-alive; with no answer at all, it is a failure.
    const deadline = setTimeout(() => finish(false), 8_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(false), quietMs);
    });
    socket.on('close', () => finish(true));
    socket.on('error', reject);
    if (options.halfClose) socket.end(bytes);
    else socket.write(bytes);
  });
}

describe('requests no HTTP library would send, on a raw socket to the gateway', () => {
  let platform: EmbeddedPlatform;
  let origin: URL;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shop-battery-raw-'));
    dataDirs.push(dataDir);
    platform = await startEmbeddedPlatform({ dataDir, port: 0, host: '127.0.0.1', env: { RATE_LIMIT_PER_MINUTE: '0' }, logger: silentLogger() });
    origin = new URL(platform.apiUrl);
  }, 60_000);
  afterAll(() => platform?.close());

  const body = '{"email":"raw@example.com","password":"correct horse battery"}';
  const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
  const register = `${API_PREFIX}/auth/register`;

  it.each([
    [
      'Content-Length and Transfer-Encoding together',
      head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Transfer-Encoding: chunked']) +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    ],
    [
      'two different Content-Lengths',
      head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Content-Length: 2']) + body,
    ],
    [
      'an obs-fold header line',
      head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type: application/json,', ' text/plain', `Content-Length: ${body.length}`]) + body,
    ],
    ['bare LF line endings', `POST ${register} HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: ${body.length}\n\n${body}`],
    [
      'invalid UTF-8 in the request line',
      Buffer.concat([Buffer.from(`GET ${API_PREFIX}/me`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
    ],
    [
      'a space before a header colon',
      head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type : application/json', `Content-Length: ${body.length}`]) + body,
    ],
    ['a NUL in a header value', head([`GET ${API_PREFIX}/me HTTP/1.1`, 'Host: x', 'Authorization: Bearer a\u0000b'])],
    [
      'a chunk size that is not hexadecimal',
      head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type: application/json', 'Transfer-Encoding: chunked']) + 'zz\r\n{}\r\n0\r\n\r\n',
    ],
    [
      'Transfer-Encoding that does not end in chunked',
      head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type: application/json', 'Transfer-Encoding: gzip']) + body,
    ],
    ['a negative Content-Length', head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type: application/json', 'Content-Length: -1']) + body],
  ])('answers %s with 400 problem+json and closes the connection', async (_name, bytes) => {
    const { text, closed } = await exchange(origin, bytes);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
    expect(closed).toBe(true);
  });

  it('answers a request without Host (HTTP/1.1) with a bare 400 from Node itself, and closes the connection', async () => {
    // Node's server refuses it before Fastify sees it (requireHostHeader), with no body to make problem+json.
    const { text, closed } = await exchange(origin, head([`GET ${API_PREFIX}/health/live HTTP/1.1`]));
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(closed).toBe(true);
  });

  it('closes, without a success, a connection whose body stops short of its Content-Length and whose client stops sending', async () => {
    const { text, closed } = await exchange(
      origin,
      head([`POST ${register} HTTP/1.1`, 'Host: x', 'Content-Type: application/json', 'Content-Length: 1000']) + body,
      { halfClose: true },
    );
    expect(text).not.toMatch(/^HTTP\/1\.1 2/);
    expect(closed).toBe(true);
  });
});
