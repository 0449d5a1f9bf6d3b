// Points end to end on the embedded defaults (`npm start`): the gateway and every context in this
// process, SQLite, in-memory transport. A customer registered through the gateway gets the sign-up
// bonus through user.registered.v1 and reads it, and the ledger page by page, through the gateway.
// The test plays the order context for orders of its own (the real order context runs beside, knowing
// nothing of them), publishing the order events' contract envelopes on the platform's transport, and hears
// the points service's answers there; the payment context takes those order events too, as orders it never
// saw (nothing to pay). purchase-through-gateway.spec.ts runs the real saga.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  PointsReservationRejectedV1,
  PointsReservedV1,
  type EventContract,
  type PointsBalance,
  type PointsLedgerEntry,
} from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { EventProbe, anEnvelope, waitFor } from '@shop/testing';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../src/embedded-platform.js';
import { gatewayClient, type Answer } from './support/gateway-client.js';

describe('points through the gateway, on the embedded platform', () => {
  let platform: EmbeddedPlatform;
  let dataDir: string;
  let answers: { probe: EventProbe<PointsReservedV1 | PointsReservationRejectedV1>; stop: () => Promise<void> };

  const { call, newCustomer } = gatewayClient(() => platform.apiUrl);
  /** A GET through the gateway: `path` below the API's base, or an absolute URL (a followed `Link`). */
  const get = <T = { code?: string }>(path: string, token?: string): Promise<Answer<T>> => call<T>('GET', path, { token });

  const balanceOf = async (token: string): Promise<PointsBalance> => {
    const answer = await get<PointsBalance>('/me/points', token);
    expect(answer.status).toBe(200);
    return answer.body;
  };

  /** Waits for the sign-up bonus to be in. */
  const bonusOf = (token: string): Promise<PointsBalance> =>
    waitFor(
      async () => {
        const balance = await balanceOf(token);
        return balance.lifetimeEarned > 0 ? balance : undefined;
      },
      { what: 'the sign-up bonus', timeoutMs: 20_000 },
    );

  const ledgerOf = async (token: string): Promise<PointsLedgerEntry[]> => {
    const answer = await get<PointsLedgerEntry[]>('/me/points/ledger?limit=200', token);
    expect(answer.status).toBe(200);
    return answer.body;
  };

  /** Plays the order context: one contract event on the platform's transport, taken by every consumer the manifest names. */
  const publish = async <P>(contract: EventContract<P>, orderId: string, payload: P): Promise<void> => {
    const [outcome] = await platform.transport.publishBatch([anEnvelope(contract.type, { aggregateId: orderId, source: 'order', payload })]);
    expect(outcome).toEqual({ ok: true });
  };

  const paid = (userId: string, amountPaid: number): OrderPaidV1 => ({
    orderId: randomUUID(),
    userId,
    couponId: null,
    pointsToUse: 0,
    amountPaid,
    paidAt: new Date().toISOString(),
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-embedded-points-'));
    platform = await startEmbeddedPlatform({ dataDir, port: 0, host: '127.0.0.1', env: { RATE_LIMIT_PER_MINUTE: '0' }, logger: silentLogger() });
    answers = await EventProbe.listen(platform.transport, 'e2e_order_stand_in', [PointsReservedV1.type, PointsReservationRejectedV1.type]);
  }, 60_000);
  afterAll(async () => {
    await answers?.stop();
    await platform?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives a newly registered customer the sign-up bonus of 100, one BONUS entry in the ledger, on a page of its own', async () => {
    const customer = await newCustomer('ada');
    expect(await bonusOf(customer.token)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });

    const ledger = await get<PointsLedgerEntry[]>('/me/points/ledger', customer.token);
    expect(ledger.status).toBe(200);
    expect(ledger.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ledger.body).toEqual([
      {
        entryId: `BONUS:${customer.userId}`,
        kind: 'BONUS',
        delta: 100,
        frozenDelta: 0,
        debtDelta: 0,
        availableAfter: 100,
        frozenAfter: 0,
        debtAfter: 0,
        orderId: null,
        createdAt: expect.any(String),
      },
    ]);
    expect(Date.parse(ledger.body[0]!.createdAt)).not.toBeNaN();
    // The last page: no next one.
    expect(ledger.headers.get('next-cursor')).toBeNull();
    expect(ledger.headers.get('link')).toBeNull();
  });

  it('pages the ledger newest first through the gateway, following Next-Cursor and the relative Link to the end', async () => {
    const customer = await newCustomer('bea');
    await bonusOf(customer.token);
    // Four paid orders without points: 12, 3, 0 (99 fen is no full yuan) and 25 points earned.
    for (const amountPaid of [1_250, 300, 99, 2_500]) {
      const order = paid(customer.userId, amountPaid);
      await publish(OrderPaidV1, order.orderId, order);
    }
    const ledger = await waitFor(
      async () => {
        const entries = await ledgerOf(customer.token);
        return entries.length === 4 ? entries : undefined;
      },
      { what: 'three EARN entries after the bonus', timeoutMs: 20_000 },
    );
    // The three payments are three orders: handled in whatever order the consumer took them, so their
    // EARN entries may come in any order; each entry's balance after it is the one before plus its delta.
    expect(ledger.at(-1)).toMatchObject({ kind: 'BONUS', delta: 100, availableAfter: 100 });
    expect(
      ledger
        .slice(0, -1)
        .map((entry) => `${entry.kind} ${entry.delta}`)
        .sort(),
    ).toEqual(['EARN 12', 'EARN 25', 'EARN 3']);
    ledger.slice(0, -1).forEach((entry, i) => expect(entry.availableAfter, entry.entryId).toBe(ledger[i + 1]!.availableAfter + entry.delta));
    expect(ledger[0]!.availableAfter).toBe(140);
    expect(await balanceOf(customer.token)).toEqual({ available: 140, frozen: 0, lifetimeEarned: 140, debt: 0 });

    // Three, then the rest by the cursor.
    const first = await get<PointsLedgerEntry[]>('/me/points/ledger?limit=3', customer.token);
    expect(first.body).toEqual(ledger.slice(0, 3));
    const cursor = first.headers.get('next-cursor');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(first.headers.get('link')).toBe(`<?cursor=${cursor}&limit=3>; rel="next"`);
    const byCursor = await get<PointsLedgerEntry[]>(`/me/points/ledger?limit=3&cursor=${cursor}`, customer.token);
    expect(byCursor.body).toEqual(ledger.slice(3));
    expect(byCursor.headers.get('next-cursor')).toBeNull();

    // Following the Link as a browser resolves it against the page it came with: the same path behind the gateway.
    const pages: PointsLedgerEntry[][] = [];
    let url: string | null = `${platform.apiUrl}/me/points/ledger?limit=1`;
    while (url !== null && pages.length <= ledger.length) {
      const page: Answer<PointsLedgerEntry[]> = await get<PointsLedgerEntry[]>(url, customer.token);
      expect(page.status).toBe(200);
      pages.push(page.body);
      const link = page.headers.get('link');
      expect(link === null).toBe(page.headers.get('next-cursor') === null);
      url = link === null ? null : new URL(/^<([^>]*)>; rel="next"$/.exec(link)![1]!, url).href;
      if (url !== null) expect(new URL(url).pathname).toBe(new URL(`${platform.apiUrl}/me/points/ledger`).pathname);
    }
    expect(pages.map((page) => page.length)).toEqual([1, 1, 1, 1]);
    expect(pages.flat()).toEqual(ledger);
  });

  it('freezes the points an order asks for and releases them when it is cancelled, answering points.reserved.v1 on the transport', async () => {
    const customer = await newCustomer('cal');
    await bonusOf(customer.token);
    const orderId = randomUUID();
    const placed: OrderPlacedV1 = {
      orderId,
      userId: customer.userId,
      items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 5_000, lineTotal: 5_000 }],
      subtotal: 5_000,
      couponId: null,
      pointsToUse: 60,
      placedAt: new Date().toISOString(),
    };
    await publish(OrderPlacedV1, orderId, placed);
    const reserved = await waitFor(() => answers.probe.about([orderId])[0], { what: 'points.reserved.v1', timeoutMs: 20_000 });
    expect(reserved).toMatchObject({ type: PointsReservedV1.type, source: 'points', payload: { orderId, userId: customer.userId, points: 60 } });
    expect(await balanceOf(customer.token)).toEqual({ available: 40, frozen: 60, lifetimeEarned: 100, debt: 0 });

    // More than is left: rejected, nothing frozen.
    const greedy = randomUUID();
    await publish(OrderPlacedV1, greedy, { ...placed, orderId: greedy, pointsToUse: 41 });
    const rejected = await waitFor(() => answers.probe.about([greedy])[0], { what: 'points.reservation-rejected.v1', timeoutMs: 20_000 });
    expect(rejected).toMatchObject({ type: PointsReservationRejectedV1.type, payload: { orderId: greedy, points: 41, reason: 'INSUFFICIENT_POINTS' } });

    const cancelled: OrderCancelledV1 = {
      orderId,
      userId: customer.userId,
      couponId: null,
      pointsToUse: 60,
      reason: 'PAYMENT_TIMEOUT',
      cancelledAt: new Date().toISOString(),
    };
    await publish(OrderCancelledV1, orderId, cancelled);
    const ledger = await waitFor(
      async () => {
        const entries = await ledgerOf(customer.token);
        return entries[0]?.kind === 'RELEASE' ? entries : undefined;
      },
      { what: 'the RELEASE entry', timeoutMs: 20_000 },
    );
    expect(ledger.map((entry) => [entry.kind, entry.delta, entry.frozenDelta, entry.orderId])).toEqual([
      ['RELEASE', 60, -60, orderId],
      ['FREEZE', -60, 60, orderId],
      ['BONUS', 100, 0, null],
    ]);
    expect(await balanceOf(customer.token)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
  });

  it("shows each customer their own points only: another's earnings are not in their ledger", async () => {
    const [dan, eve] = [await newCustomer('dan'), await newCustomer('eve')];
    await Promise.all([bonusOf(dan.token), bonusOf(eve.token)]);
    const order = paid(dan.userId, 10_000);
    await publish(OrderPaidV1, order.orderId, order);
    await waitFor(async () => (await balanceOf(dan.token)).available === 200, { what: "dan's 100 points earned", timeoutMs: 20_000 });
    expect(await balanceOf(eve.token)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    // Entry ids name the user (a bonus) or the order: dan's bonus would look like eve's but for its id.
    const evesOwn = [`BONUS:${eve.userId}`];
    expect((await ledgerOf(eve.token)).map((entry) => entry.entryId)).toEqual(evesOwn);
    // A cursor of dan's ledger (after his EARN, which is newer than both bonuses) shows eve her own
    // older entries only: her bonus, nothing of his.
    const danFirst = await get<PointsLedgerEntry[]>('/me/points/ledger?limit=1', dan.token);
    expect(danFirst.body.map((entry) => entry.entryId)).toEqual([`EARN:${order.orderId}`]);
    const danCursor = danFirst.headers.get('next-cursor');
    expect(danCursor).not.toBeNull();
    const eveWithIt = await get<PointsLedgerEntry[]>(`/me/points/ledger?cursor=${danCursor}`, eve.token);
    expect(eveWithIt.status).toBe(200);
    expect(eveWithIt.body.map((entry) => entry.entryId)).toEqual(evesOwn);
  });

  it('refuses both routes without a valid token (401 problem+json), and a bad query with 400 and its code', async () => {
    for (const path of ['/me/points', '/me/points/ledger', '/me/points/ledger?limit=1']) {
      for (const token of [undefined, 'not.a.jwt']) {
        const answer = await get(path, token);
        expect(answer.status, `${path} with ${token ?? 'no token'}`).toBe(401);
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(answer.body.code).toBe('UNAUTHENTICATED');
      }
    }
    const customer = await newCustomer('fay');
    // Malformed (out of the contract's bounds or alphabet): VALIDATION_FAILED; well formed but never given: INVALID_CURSOR.
    for (const [query, code] of [
      ['?limit=0', 'VALIDATION_FAILED'],
      ['?limit=201', 'VALIDATION_FAILED'],
      ['?cursor=%2F', 'VALIDATION_FAILED'],
      ['?page=2', 'VALIDATION_FAILED'],
      ['?cursor=not-a-cursor', 'INVALID_CURSOR'],
    ]) {
      const answer = await get(`/me/points/ledger${query}`, customer.token);
      expect(answer.status, query).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.code, query).toBe(code);
    }
  });
});
