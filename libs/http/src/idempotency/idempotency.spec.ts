// Every rule of `Idempotency-Key`, on a real Nest app over HTTP with an in-memory SQLite database.
// The PostgreSQL behaviour (concurrent instances, takeover, restart) is in libs/http/test.
import { openDataSource } from '@shop/persistence';
import { ManualClock } from '@shop/shared-kernel';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { gate, probeMigrations, startProbeApp, type ProbeApp } from '../../test/support/idempotent-app.js';
import { idempotencyMigrations } from './migrations/index.js';
import type { IdempotencyModuleOptions } from './idempotency.module.js';
import { requestFingerprint } from './request-fingerprint.js';

const ORDER = { item: 'book', quantity: 2 };
const HOUR = 3600_000;

describe('Idempotency-Key on an @Idempotent() route', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function database(): Promise<DataSource> {
    const dataSource = await openDataSource({
      service: 'probe',
      sqliteDir: ':memory:',
      entities: [],
      migrations: [...idempotencyMigrations, ...probeMigrations],
    });
    cleanups.push(() => dataSource.destroy());
    return dataSource;
  }

  async function start(options: IdempotencyModuleOptions = {}, dataSource?: DataSource): Promise<ProbeApp & { dataSource: DataSource }> {
    const db = dataSource ?? (await database());
    const app = await startProbeApp(db, options);
    cleanups.push(() => app.close());
    return { ...app, dataSource: db };
  }

  const keys = async (dataSource: DataSource) => Number((await dataSource.query<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM idempotency_key`))[0]?.n);

  describe('the same user, key and request', () => {
    it('replays the stored answer (status, body, content type) with Idempotent-Replayed, and the route does not run again', async () => {
      const app = await start();
      const first = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(first.status).toBe(201);
      expect(first.contentType).toBe('application/json; charset=utf-8');
      expect(first.replayed).toBeNull();
      expect(first.json()).toMatchObject({ item: 'book', quantity: 2, status: 'PENDING' });

      const again = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(again).toMatchObject({ status: 201, contentType: first.contentType, body: first.body, replayed: 'true' });
      expect(app.probe.runs).toBe(1);
      expect(await app.orders()).toBe(1);
    });

    it('counts the same JSON spelled differently (key order, spacing) as the same request', async () => {
      const app = await start();
      const first = await app.post('/orders', '{"item":"book","quantity":2}', { key: 'k-1' });
      const again = await app.post('/orders', '{ "quantity": 2,\n  "item": "book" }', { key: 'k-1' });
      expect(again).toMatchObject({ status: 201, body: first.body, replayed: 'true' });
      expect(await app.orders()).toBe(1);
    });

    it('replays a route’s own status and a text answer as they were (202, text/plain, as Fastify sends a string)', async () => {
      const app = await start();
      const first = await app.post('/orders/o-1/notes', {}, { key: 'n-1' });
      expect(first).toMatchObject({ status: 202, contentType: 'text/plain; charset=utf-8' });
      expect(first.body).toMatch(/^noted o-1 /);
      const again = await app.post('/orders/o-1/notes', {}, { key: 'n-1' });
      expect(again).toMatchObject({ status: 202, contentType: 'text/plain; charset=utf-8', body: first.body, replayed: 'true' });
      expect(app.probe.runs).toBe(1);
    });

    it('20 at once: one effect, 20 identical answers', async () => {
      const app = await start();
      const answers = await Promise.all(Array.from({ length: 20 }, () => app.post('/orders', ORDER, { key: 'burst' })));
      expect(await app.orders()).toBe(1);
      expect(app.probe.runs).toBe(1);
      expect(new Set(answers.map((answer) => `${answer.status} ${answer.contentType} ${answer.body}`)).size).toBe(1);
      expect(answers[0]?.status).toBe(201);
      expect(answers.filter((answer) => answer.replayed === 'true')).toHaveLength(19);
    });
  });

  describe('keys are scoped', () => {
    it('by user: another user’s same key and body is a request of its own', async () => {
      const app = await start();
      const mine = await app.post('/orders', ORDER, { key: 'shared', user: 'u-1' });
      const theirs = await app.post('/orders', ORDER, { key: 'shared', user: 'u-2' });
      expect([mine.status, theirs.status]).toEqual([201, 201]);
      expect(theirs.replayed).toBeNull();
      expect(theirs.json()['orderId']).not.toBe(mine.json()['orderId']);
      expect(await app.orders()).toBe(2);
    });

    it('not for anonymous callers: the header is refused (400 IDEMPOTENCY_KEY_NEEDS_USER), without it the route runs', async () => {
      const app = await start();
      const refused = await app.post('/feedback', {}, { key: 'anon-1', user: null });
      expect(refused.status).toBe(400);
      expect(refused.contentType).toBe('application/problem+json; charset=utf-8');
      expect(refused.json()['code']).toBe('IDEMPOTENCY_KEY_NEEDS_USER');
      expect(app.probe.runs).toBe(0);
      expect((await app.post('/feedback', {}, { user: null })).status).toBe(201);
      expect(await keys(app.dataSource)).toBe(0);
    });
  });

  describe('a key reused for another request', () => {
    it('with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing runs', async () => {
      const app = await start();
      await app.post('/orders', ORDER, { key: 'k-1' });
      const other = await app.post('/orders', { item: 'book', quantity: 3 }, { key: 'k-1' });
      expect(other.status).toBe(422);
      expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', detail: expect.stringContaining('another body') as unknown });
      expect(app.probe.runs).toBe(1);
      expect(await app.orders()).toBe(1);
    });

    it('on another path: 422 IDEMPOTENCY_KEY_REUSED naming the first request', async () => {
      const app = await start();
      await app.post('/orders', ORDER, { key: 'k-1' });
      const other = await app.post('/orders/o-1/notes', {}, { key: 'k-1' });
      expect(other.status).toBe(422);
      expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', detail: expect.stringContaining('POST /orders') as unknown });
    });

    it('while the first still runs: 422 at once, without waiting for it', async () => {
      const app = await start({ waitMs: 10_000 });
      const held = gate();
      app.probe.hold = held.promise;
      const first = app.post('/orders', ORDER, { key: 'k-1' });
      await waitUntil(() => app.probe.runs === 1);
      const started = performance.now();
      const other = await app.post('/orders', { item: 'pen', quantity: 1 }, { key: 'k-1' });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(other.status).toBe(422);
      held.open();
      expect((await first).status).toBe(201);
    });
  });

  describe('a bad key', () => {
    it.each([
      ['empty', ''],
      ['longer than 255 characters', 'k'.repeat(256)],
      ['with a space', 'my key'],
      ['with a tab', 'my\tkey'],
      ['with a non-ASCII character', 'clé'],
      ['quoted but empty', '""'],
    ])('%s: 400 IDEMPOTENCY_KEY_INVALID, nothing runs or is stored', async (_case, key) => {
      const app = await start();
      const answer = await app.post('/orders', ORDER, { key });
      expect(answer.status).toBe(400);
      expect(answer.contentType).toBe('application/problem+json; charset=utf-8');
      expect(answer.json()['code']).toBe('IDEMPOTENCY_KEY_INVALID');
      expect(app.probe.runs).toBe(0);
      expect(await keys(app.dataSource)).toBe(0);
    });

    it('255 visible characters, or a quoted key (a structured-field string), are fine', async () => {
      const app = await start();
      expect((await app.post('/orders', ORDER, { key: '~'.repeat(255) })).status).toBe(201);
      const quoted = await app.post('/orders', ORDER, { key: '"8e03978e-40d5-43e8-bc93-6894a57f9324"' });
      const bare = await app.post('/orders', ORDER, { key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
      expect(bare).toMatchObject({ status: 201, body: quoted.body, replayed: 'true' });
    });
  });

  describe('whether the header is required is per route', () => {
    it('an optional route runs without it, each time', async () => {
      const app = await start();
      await app.post('/orders', ORDER);
      await app.post('/orders', ORDER);
      expect(await app.orders()).toBe(2);
    });

    it('a route with { required: true } refuses a request without it: 400 IDEMPOTENCY_KEY_MISSING', async () => {
      const app = await start();
      const answer = await app.post('/orders/o-1/notes', {});
      expect(answer.status).toBe(400);
      expect(answer.json()['code']).toBe('IDEMPOTENCY_KEY_MISSING');
      expect(app.probe.runs).toBe(0);
    });
  });

  describe('what is stored besides successes', () => {
    it('a domain refusal (4xx) is stored and replayed as first sent, even once the route would say yes', async () => {
      const app = await start();
      const refused = await app.post('/orders', { item: 'sold-out', quantity: 1 }, { key: 'k-1' });
      expect(refused.status).toBe(409);
      expect(refused.json()['code']).toBe('SOLD_OUT');
      await waitUntil(
        async () => (await app.dataSource.query<Array<{ response_status: number }>>(`SELECT response_status FROM idempotency_key`))[0]?.response_status === 409,
      );
      const again = await app.post('/orders', { item: 'sold-out', quantity: 1 }, { key: 'k-1' });
      expect(again).toMatchObject({ status: 409, contentType: 'application/problem+json; charset=utf-8', body: refused.body, replayed: 'true' });
      expect(app.probe.runs).toBe(1);
      expect(await app.orders()).toBe(0);
    });

    it('a failure (500) is not stored and its effect is rolled back: the retry with the same key runs', async () => {
      const app = await start();
      app.probe.failures = 1;
      const failed = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(failed.status).toBe(500);
      expect(await app.orders()).toBe(0); // the insert ran in the same transaction as the (missing) answer
      expect(await keys(app.dataSource)).toBe(0);
      const retried = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(retried).toMatchObject({ status: 201, replayed: null });
      expect(app.probe.runs).toBe(2);
      expect(await app.orders()).toBe(1);
    });

    it('a refused body (400 from validation) is not stored: the corrected body may use the same key', async () => {
      const app = await start();
      const invalid = await app.post('/orders', { item: 'book', quantity: 0 }, { key: 'k-1' });
      expect(invalid.status).toBe(400);
      expect(invalid.json()['code']).toBe('VALIDATION_FAILED');
      expect((await app.post('/orders', ORDER, { key: 'k-1' })).status).toBe(201);
      expect(await app.orders()).toBe(1);
    });

    it('a request past the execution timeout answers 503 REQUEST_TIMED_OUT, its effect rolled back and its key freed', async () => {
      const app = await start({ executionTimeoutMs: 200 });
      const held = gate();
      app.probe.hold = held.promise;
      const late = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(late.status).toBe(503);
      expect(late.json()['code']).toBe('REQUEST_TIMED_OUT');
      held.open();
      await waitUntil(async () => (await keys(app.dataSource)) === 0);
      app.probe.hold = undefined;
      expect((await app.post('/orders', ORDER, { key: 'k-1' })).status).toBe(201);
      expect(await app.orders()).toBe(1);
    });
  });

  describe('a request while the first with its key still runs', () => {
    it('waits for the first and replays its answer', async () => {
      const app = await start({ waitMs: 10_000 });
      const held = gate();
      app.probe.hold = held.promise;
      const first = app.post('/orders', ORDER, { key: 'k-1' });
      await waitUntil(() => app.probe.runs === 1);
      const second = app.post('/orders', ORDER, { key: 'k-1' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      held.open();
      const [a, b] = await Promise.all([first, second]);
      expect(b).toMatchObject({ status: 201, body: a.body, replayed: 'true' });
      expect(await app.orders()).toBe(1);
    });

    it('answers 409 REQUEST_IN_PROGRESS with Retry-After once its wait is over; a later retry replays', async () => {
      const app = await start({ waitMs: 150 });
      const held = gate();
      app.probe.hold = held.promise;
      const first = app.post('/orders', ORDER, { key: 'k-1' });
      await waitUntil(() => app.probe.runs === 1);
      const busy = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(busy.status).toBe(409);
      expect(busy.retryAfter).toBe('1');
      expect(busy.json()['code']).toBe('REQUEST_IN_PROGRESS');
      held.open();
      const done = await first;
      expect(await app.post('/orders', ORDER, { key: 'k-1' })).toMatchObject({ status: 201, body: done.body, replayed: 'true' });
      expect(app.probe.runs).toBe(1);
    });

    it('takes over a key whose request never answered (its instance died) once the lease is over', async () => {
      const clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
      const app = await start({ clock, waitMs: 0, executionTimeoutMs: 1_000 });
      // What a crashed instance leaves: a claim and no answer (its effect, uncommitted, died with it).
      const now = clock.now().getTime();
      await app.dataSource.query(
        `INSERT INTO idempotency_key (scope, request_key, method, path, fingerprint, owner, locked_until, created_at, expires_at)
         VALUES ('user:u-1', 'k-1', 'POST', '/orders', ?, 'dead-owner', ?, ?, ?)`,
        [requestFingerprint({ method: 'POST', path: '/orders', body: ORDER }), now + 6_000, now, now + 24 * HOUR],
      );
      expect((await app.post('/orders', ORDER, { key: 'k-1' })).status).toBe(409);
      clock.advance(6_000);
      const taken = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(taken).toMatchObject({ status: 201, replayed: null });
      expect(await app.orders()).toBe(1);
    });
  });

  describe("a route with transaction: 'own' (it calls an outside service between its own transactions)", () => {
    it('runs outside any transaction of the interceptor, its effect committed before its answer is stored; a repeat replays it', async () => {
      const app = await start();
      const between = gate();
      app.probe.holdBetweenCommits = between.promise;
      const effected = new Promise<void>((resolve) => (app.probe.effected = resolve));
      const first = app.post('/payments', ORDER, { key: 'p-1' });
      await effected;
      // Committed already, seen from outside, while the route still runs (its provider call) and no answer is stored.
      expect(await app.orders()).toBe(1);
      expect(
        (await app.dataSource.query<Array<{ response_status: number | null }>>(`SELECT response_status FROM idempotency_key`))[0]?.response_status,
      ).toBeNull();
      between.open();
      const answer = await first;
      expect(answer).toMatchObject({ status: 201, replayed: null });
      expect(app.probe.enclosed).toEqual([false]);
      const again = await app.post('/payments', ORDER, { key: 'p-1' });
      expect(again).toMatchObject({ status: 201, body: answer.body, replayed: 'true' });
      expect(app.probe.runs).toBe(1);
      expect(await app.orders()).toBe(1);
    });

    it('where the default route runs inside the transaction that stores its answer', async () => {
      const app = await start();
      await app.post('/orders', ORDER, { key: 'o-1' });
      await app.post('/payments', ORDER, { key: 'p-1' });
      expect(app.probe.enclosed).toEqual([true, false]);
    });

    it('keeps a domain refusal (4xx) as any route does', async () => {
      const app = await start();
      const refused = await app.post('/payments', { item: 'sold-out', quantity: 1 }, { key: 'p-1' });
      expect(refused.status).toBe(409);
      await waitUntil(
        async () => (await app.dataSource.query<Array<{ response_status: number }>>(`SELECT response_status FROM idempotency_key`))[0]?.response_status === 409,
      );
      expect(await app.post('/payments', { item: 'sold-out', quantity: 1 }, { key: 'p-1' })).toMatchObject({ status: 409, replayed: 'true' });
      expect(app.probe.runs).toBe(1);
    });

    it('frees the key after a refusal whose code it lists in transientCodes: the same key runs again, and succeeds once the refusal no longer holds', async () => {
      const app = await start();
      app.probe.notYet = true;
      const refused = await app.post('/payments', { item: 'not-yet', quantity: 1 }, { key: 'p-1' });
      expect(refused.status).toBe(404);
      expect(refused.json()['code']).toBe('NOT_YET');
      expect(await keys(app.dataSource)).toBe(0);
      expect(await app.post('/payments', { item: 'not-yet', quantity: 1 }, { key: 'p-1' })).toMatchObject({ status: 404, replayed: null });
      app.probe.notYet = false;
      const paid = await app.post('/payments', { item: 'not-yet', quantity: 1 }, { key: 'p-1' });
      expect(paid).toMatchObject({ status: 201, replayed: null });
      expect(await app.post('/payments', { item: 'not-yet', quantity: 1 }, { key: 'p-1' })).toMatchObject({ status: 201, body: paid.body, replayed: 'true' });
      expect(app.probe.runs).toBe(3);
      expect(await app.orders()).toBe(1);
    });
  });

  describe('expiry', () => {
    it('after the TTL the key is free again: the same request runs anew', async () => {
      const clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
      const app = await start({ clock, ttlMs: 2 * HOUR });
      const first = await app.post('/orders', ORDER, { key: 'k-1' });
      clock.advance(2 * HOUR - 1);
      expect((await app.post('/orders', ORDER, { key: 'k-1' })).replayed).toBe('true');
      clock.advance(1);
      const anew = await app.post('/orders', ORDER, { key: 'k-1' });
      expect(anew).toMatchObject({ status: 201, replayed: null });
      expect(anew.body).not.toBe(first.body);
      expect(await app.orders()).toBe(2);
    });
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
