// The points service as the gateway sees it: started on a free port, called over HTTP with the
// gateway's internal token (a customer, or nobody), on PostgreSQL + RabbitMQ and on SQLite + the
// in-memory transport. The balances and ledgers it shows are built the only way they are built in
// production: by the contract events it consumes (published by the test as the user and order
// contexts would). Every route, paging through a ledger to its end, its refusals, and bad input.
import { randomUUID } from 'node:crypto';
import {
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  UserRegisteredV1,
  type PointsBalance,
  type PointsLedgerEntry,
  type PointsLedgerPage,
} from '@shop/contracts';
import type { Identity } from '@shop/http';
import { Cleanups, expectProblem, json, metricValue } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_TOKEN, SETUPS, PointsServiceHome, aCustomer, envelopeOf, problemOf, type PointsApi } from './support/points-service-harness.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** One page as the client sees it: the entries, and the headers that lead to the next one. */
interface Page {
  readonly entries: PointsLedgerEntry[];
  readonly nextCursor: string | null;
  readonly link: string | null;
}

describe.each(SETUPS)('the points service’s HTTP API on %s', (setup) => {
  const cleanups = new Cleanups();
  let home: PointsServiceHome;
  let api: PointsApi;

  beforeAll(async () => {
    home = await PointsServiceHome.create(setup, cleanups);
    ({ api } = await home.start());
  });
  afterAll(() => cleanups.run());

  // ---------------------------------------------------------------- arranging, through the events

  const now = () => new Date().toISOString();
  const registered = (userId: string) =>
    envelopeOf(UserRegisteredV1, { userId, email: `${userId.slice(0, 8)}@example.com`, nickname: null, registeredAt: now() }, { aggregateId: userId });
  const orderFields = (orderId: string, userId: string, pointsToUse: number) => ({ orderId, userId, couponId: null, pointsToUse });
  const placed = (orderId: string, userId: string, pointsToUse: number) =>
    envelopeOf(
      OrderPlacedV1,
      {
        ...orderFields(orderId, userId, pointsToUse),
        items: [{ sku: 'TEA-01', quantity: 1, unitPrice: 9_000, lineTotal: 9_000 }],
        subtotal: 9_000,
        placedAt: now(),
      },
      { aggregateId: orderId },
    );
  const cancelled = (orderId: string, userId: string, pointsToUse: number) =>
    envelopeOf(OrderCancelledV1, { ...orderFields(orderId, userId, pointsToUse), reason: 'CUSTOMER_CANCELLED', cancelledAt: now() }, { aggregateId: orderId });
  /** A paid order that used no points: it earns `points`. */
  const paidEarning = (userId: string, points: number) => {
    const orderId = randomUUID();
    return envelopeOf(OrderPaidV1, { ...orderFields(orderId, userId, 0), amountPaid: points * 100, paidAt: now() }, { aggregateId: orderId });
  };

  /** A registered customer (the sign-up bonus) who then earned on `payments` more paid orders: 1 + payments entries. */
  async function aCustomerWithEntries(payments: number): Promise<Identity> {
    const customer = aCustomer();
    await home.deliver(registered(customer.userId));
    if (payments > 0) await home.deliver(...Array.from({ length: payments }, (_, i) => paidEarning(customer.userId, i + 1)));
    return customer;
  }

  /** The user's entry ids as stored, newest first: what the pages must add up to. */
  async function storedEntryIdsNewestFirst(userId: string): Promise<string[]> {
    const rows = await home.query<{ entry_key: string }>(`SELECT entry_key FROM points_ledger WHERE user_id = ${home.param(1)} ORDER BY seq DESC`, [userId]);
    return rows.map((row) => row.entry_key);
  }

  // ---------------------------------------------------------------- calling

  const balanceOf = async (customer: Identity): Promise<PointsBalance> => json(await api.myPoints(customer));

  /** GET /me/points/ledger with `query` (`?…` or ''), expecting 200. */
  async function pageOf(customer: Identity, query = ''): Promise<Page> {
    const response = await api.myLedger(customer, query);
    const entries = await json<PointsLedgerPage>(response);
    return { entries, nextCursor: response.headers.get('next-cursor'), link: response.headers.get('link') };
  }

  /**
   * Follows the `Link: <…>; rel="next"` of each page to the end, as a client would: the target is a
   * relative reference, resolved against the URL of the page it came with.
   */
  async function followLinks(customer: Identity, firstQuery: string): Promise<Page[]> {
    const pages: Page[] = [];
    let url = new URL(`/me/points/ledger${firstQuery}`, api.url);
    for (;;) {
      const page = await pageOf(customer, url.search);
      pages.push(page);
      if (page.link === null) {
        expect(page.nextCursor).toBeNull();
        return pages;
      }
      const [, target] = /^<([^>]*)>; rel="next"$/.exec(page.link) ?? [];
      expect(target, `Link: ${page.link}`).toMatch(/^\?/);
      url = new URL(target!, url);
      expect(url.pathname).toBe('/me/points/ledger');
      expect(url.searchParams.get('cursor')).toBe(page.nextCursor);
      if (pages.length > 100) throw new Error('more than 100 pages: the links go round');
    }
  }

  // ---------------------------------------------------------------- GET /me/points

  describe('GET /me/points', () => {
    it('answers zeros for a user with no points yet, and opens no account for asking', async () => {
      const customer = aCustomer();
      const response = await api.myPoints(customer);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await json<PointsBalance>(response)).toEqual({ available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 });
      expect(await home.count('points_account', `user_id = ${home.param(1)}`, [customer.userId])).toBe(0);
    });

    it('answers the user’s own balances: available, frozen for orders under way, earned in all, debt', async () => {
      const customer = await aCustomerWithEntries(1); // 100 + 1
      const orderId = randomUUID();
      await home.deliver(placed(orderId, customer.userId, 30));
      expect(await balanceOf(customer)).toEqual({ available: 71, frozen: 30, lifetimeEarned: 101, debt: 0 });
      // Someone else's balance is not theirs to see, nor is theirs someone else's.
      expect(await balanceOf(aCustomer())).toEqual({ available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 });
    });
  });

  // ---------------------------------------------------------------- GET /me/points/ledger

  describe('GET /me/points/ledger', () => {
    it('lists the entries newest first in the contract’s shape; a single page carries no paging headers', async () => {
      const customer = await aCustomerWithEntries(0);
      const orderId = randomUUID();
      await home.deliver(placed(orderId, customer.userId, 40));
      await home.deliver(cancelled(orderId, customer.userId, 40));

      const response = await api.myLedger(customer);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect([response.headers.get('next-cursor'), response.headers.get('link')]).toEqual([null, null]);
      const entries = await json<PointsLedgerPage>(response);
      const common = { debtDelta: 0, debtAfter: 0, createdAt: expect.stringMatching(ISO_INSTANT) };
      expect(entries).toEqual([
        { entryId: `RELEASE:${orderId}`, kind: 'RELEASE', delta: 40, frozenDelta: -40, availableAfter: 100, frozenAfter: 0, orderId, ...common },
        { entryId: `FREEZE:${orderId}`, kind: 'FREEZE', delta: -40, frozenDelta: 40, availableAfter: 60, frozenAfter: 40, orderId, ...common },
        {
          entryId: `BONUS:${customer.userId}`,
          kind: 'BONUS',
          delta: 100,
          frozenDelta: 0,
          availableAfter: 100,
          frozenAfter: 0,
          orderId: null,
          ...common,
        },
      ]);
      const times = entries.map((entry) => Date.parse(entry.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('answers an empty list for a user with no entries', async () => {
      expect(await pageOf(aCustomer())).toEqual({ entries: [], nextCursor: null, link: null });
    });

    it('pages through every entry by limit and cursor: no duplicates, no gaps, the same whatever the page size', async () => {
      const customer = await aCustomerWithEntries(54); // 55 entries
      const all = await storedEntryIdsNewestFirst(customer.userId);
      expect(all).toHaveLength(55);

      for (const limit of [1, 7, 54, 55, 200]) {
        const pages = await followLinks(customer, `?limit=${limit}`);
        expect(pages.map((page) => page.entries.length)).toEqual(sizesOf(55, limit));
        expect(pages.flatMap((page) => page.entries.map((entry) => entry.entryId))).toEqual(all);
        for (const page of pages.slice(0, -1)) expect(page.link).toBe(`<?cursor=${page.nextCursor}&limit=${limit}>; rel="next"`);
      }

      // Without a limit: pages of 50, and the link says so.
      const pages = await followLinks(customer, '');
      expect(pages.map((page) => page.entries.length)).toEqual([50, 5]);
      expect(pages[0]!.link).toBe(`<?cursor=${pages[0]!.nextCursor}&limit=50>; rel="next"`);
      expect(pages.flatMap((page) => page.entries.map((entry) => entry.entryId))).toEqual(all);
    });

    it('keeps its place while new entries come in: the next page goes on from the cursor, the new entry heads the first page', async () => {
      const customer = await aCustomerWithEntries(5);
      const before = await storedEntryIdsNewestFirst(customer.userId);
      const first = await pageOf(customer, '?limit=3');

      const newest = paidEarning(customer.userId, 77);
      await home.deliver(newest);

      const second = await pageOf(customer, `?cursor=${first.nextCursor}&limit=3`);
      expect([...first.entries, ...second.entries].map((entry) => entry.entryId)).toEqual(before);
      expect(second.link).toBeNull();
      expect((await pageOf(customer, '?limit=1')).entries[0]).toMatchObject({ kind: 'EARN', delta: 77, orderId: newest.payload.orderId });
    });

    it("never shows someone else's entries: not by a parameter, not by their cursor", async () => {
      const ada = await aCustomerWithEntries(4);
      const bob = await aCustomerWithEntries(2);
      const adasEntries = await storedEntryIdsNewestFirst(ada.userId);
      const bobsEntries = await storedEntryIdsNewestFirst(bob.userId);

      expect((await pageOf(bob)).entries.map((entry) => entry.entryId)).toEqual(bobsEntries);
      await expectProblem(await api.myLedger(bob, `?userId=${ada.userId}`), 400, 'VALIDATION_FAILED');
      // Ada's cursor in Bob's hands pages through Bob's ledger (older than that place), never Ada's.
      const adasCursor = (await pageOf(ada, '?limit=1')).nextCursor!;
      const seen = (await pageOf(bob, `?cursor=${adasCursor}&limit=200`)).entries.map((entry) => entry.entryId);
      expect(seen.filter((entryId) => adasEntries.includes(entryId))).toEqual([]);
      expect(bobsEntries).toEqual(expect.arrayContaining(seen));
    });
  });

  // ---------------------------------------------------------------- refusals

  describe('bad input: 400 problem+json with a code', () => {
    it.each([
      ['a limit of 0', '?limit=0'],
      ['a limit of 201', '?limit=201'],
      ['a negative limit', '?limit=-1'],
      ['a limit that is not a number', '?limit=abc'],
      ['a fractional limit', '?limit=1.5'],
      ['a limit in exponent notation', '?limit=1e2'],
      ['a limit with a leading zero', '?limit=050'],
      ['an empty limit', '?limit='],
      ['two limits', '?limit=1&limit=2'],
      ['an empty cursor', '?cursor='],
      ['a cursor outside the alphabet', '?cursor=abc%21'],
      ['a cursor with padding', '?cursor=MTI%3D'],
      ['a cursor with a space', '?cursor=MT%20I'],
      ['a cursor of 65 characters', `?cursor=${'A'.repeat(65)}`],
      ['an unknown parameter', '?sort=oldest'],
      ['the user as a parameter', `?userId=${randomUUID()}`],
    ])('%s: VALIDATION_FAILED', async (_case, query) => {
      await expectProblem(await api.myLedger(aCustomer(), query), 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['not base64url of a number', 'abc'],
      ['a zero', base64url('0')],
      ['a negative place', base64url('-1')],
      ['a leading zero', base64url('012')],
      ['a place beyond any ledger', base64url('99999999999999999')],
      ['a number spelt another way', `${base64url('12')}A`],
    ])('a cursor in the right alphabet that this service never gave (%s): INVALID_CURSOR naming the cursor', async (_case, cursor) => {
      const response = await api.myLedger(aCustomer(), `?cursor=${cursor}`);
      const problem = await problemOf(response);
      expect([response.status, problem.code, problem.errors?.map((error) => error.field)]).toEqual([400, 'INVALID_CURSOR', ['cursor']]);
    });
  });

  describe('who may call', () => {
    it.each(['/me/points', '/me/points/ledger'])('%s: 401 UNAUTHENTICATED for nobody, 401 NOT_FROM_GATEWAY past the gateway', async (path) => {
      await expectProblem(await api.viaGateway('GET', path), 401, 'UNAUTHENTICATED');
      await expectProblem(await api.direct('GET', path), 401, 'NOT_FROM_GATEWAY');
    });

    it('answers an unknown route 404 NOT_FOUND', async () => {
      await expectProblem(await api.viaGateway('GET', '/me/points/history', { identity: aCustomer() }), 404, 'NOT_FOUND');
    });
  });

  describe('GET /metrics', () => {
    it('serves the service’s own figures and the platform’s with the METRICS_TOKEN', async () => {
      await aCustomerWithEntries(0);
      const text = await api.metrics();
      expect(metricValue(text, 'shop_points_balance_mismatches', { service: 'points' })).toBe(0);
      const bonuses = metricValue(text, 'shop_messages_handled_total', { type: UserRegisteredV1.type, handler: 'grant-signup-bonus-on-user-registered' });
      expect(bonuses).toBeGreaterThan(0);
    });

    it('is not public: 401 without the token or with another one', async () => {
      for (const headers of [{}, { authorization: `Bearer ${METRICS_TOKEN}x` }] as Array<Record<string, string>>) {
        const response = await api.direct('GET', '/metrics', { headers });
        expect(response.status).toBe(401);
        expect(await response.text()).not.toContain('shop_points');
      }
    });
  });
});

/** The page sizes of `total` entries read `limit` at a time. */
function sizesOf(total: number, limit: number): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= limit) sizes.push(Math.min(limit, left));
  return sizes;
}

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
