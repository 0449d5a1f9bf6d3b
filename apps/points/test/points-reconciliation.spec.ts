import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderPlacedV1, UserRegisteredV1 } from '@shop/contracts';
import { databaseNameOf, dialectOf, withDatabase } from '@shop/persistence';
import { newId } from '@shop/shared-kernel';
import { Cleanups, TEST_POSTGRES_URL, capturingLogger, dropDatabase, metricValue, waitFor } from '@shop/testing';
import { OrderPoints } from '../src/domain/order-points.js';
import { PointsAccount } from '../src/domain/points-account.js';
import { Points } from '../src/domain/points.js';
import { runPointsCommand } from '../src/infrastructure/cli/points-command.js';
import { PointsServiceHome, SETUPS, envelopeOf, testPointsConfig } from './support/points-service-harness.js';
import { KINDS, openPointsDatabase, pointsAdapters, type PointsAdapters, type PointsDatabase } from './support/points-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');

describe.each(SETUPS)('the reconciliation job of the points service on %s', (setup) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('reports an account whose balance was changed beside its ledger: in /metrics and in the log, until it is put right', async () => {
    const home = await PointsServiceHome.create(setup, cleanups);
    const { logger, lines } = capturingLogger({ service: 'points', level: 'info' });
    const service = await home.start(testPointsConfig({ POINTS_RECONCILE_INTERVAL_MS: '50' }), { logger });
    const [ada, bob] = [randomUUID(), randomUUID()];
    await home.publish(
      ...[ada, bob].map((userId) =>
        envelopeOf(UserRegisteredV1, { userId, email: `${userId}@shop.example`, nickname: null, registeredAt: NOW.toISOString() }, { aggregateId: userId }),
      ),
    );
    await waitFor(async () => (await home.count('points_ledger')) === 2, { what: 'both sign-up bonuses' });
    // A check that ran after both bonuses found them all equal.
    const cleanFrom = Date.now() / 1000;
    await waitFor(
      async () => {
        const metrics = await service.api.metrics();
        return (
          metricValue(metrics, 'shop_points_reconciliation_last_run_timestamp_seconds')! > cleanFrom &&
          metricValue(metrics, 'shop_points_balance_mismatches') === 0
        );
      },
      { what: 'a reconciliation finding every balance equal to its ledger' },
    );

    // Someone edits a balance by hand: the ledger still says 100.
    await home.query(`UPDATE points_account SET available = available + 7 WHERE user_id = ${home.param(1)}`, [bob]);
    await waitFor(async () => metricValue(await service.api.metrics(), 'shop_points_balance_mismatches') === 1, { what: 'the mismatch in /metrics' });
    expect(await service.api.metrics()).toMatch(/^shop_points_balance_mismatches\{service="points"\} 1$/m);
    const reported = lines.find((line) => line.level === 'error' && line['userId'] === bob);
    expect(reported).toMatchObject({
      msg: expect.stringMatching(/differs from the sum of the ledger/),
      stored: { available: 107, frozen: 0, lifetimeEarned: 100, debt: 0 },
      ledger: { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 },
      reservedForOrders: 0,
    });
    expect(lines.some((line) => line['userId'] === ada && (line.level === 'error' || line.level === 'fatal'))).toBe(false);

    // Put right: the next check finds nothing again.
    await home.query(`UPDATE points_account SET available = available - 7 WHERE user_id = ${home.param(1)}`, [bob]);
    await waitFor(async () => metricValue(await service.api.metrics(), 'shop_points_balance_mismatches') === 0, { what: 'the mismatch gone from /metrics' });
  });

  it('reports a reservation held too long, and frozen points no reserved order holds any more, in /metrics and in the log', async () => {
    const home = await PointsServiceHome.create(setup, cleanups);
    const { logger, lines } = capturingLogger({ service: 'points', level: 'info' });
    // Every reservation is held "too long" after 1 ms.
    const service = await home.start(testPointsConfig({ POINTS_RECONCILE_INTERVAL_MS: '50', POINTS_STUCK_RESERVATION_MS: '1' }), { logger });
    const [userId, orderId] = [randomUUID(), randomUUID()];
    await home.publish(
      envelopeOf(UserRegisteredV1, { userId, email: `${userId}@shop.example`, nickname: null, registeredAt: NOW.toISOString() }, { aggregateId: userId }),
    );
    await waitFor(async () => (await home.count('points_ledger')) === 1, { what: 'the sign-up bonus' });
    await home.publish(
      envelopeOf(
        OrderPlacedV1,
        {
          orderId,
          userId,
          items: [{ sku: 'TEA-01', quantity: 1, unitPrice: 1_000, lineTotal: 1_000 }],
          subtotal: 1_000,
          couponId: null,
          pointsToUse: 30,
          placedAt: new Date().toISOString(),
        },
        { aggregateId: orderId, source: 'order' },
      ),
    );
    await waitFor(async () => (await home.count('points_order', `status = 'RESERVED'`)) === 1, { what: 'the reservation' });

    // Consistent (frozen 30 = the reserved order's 30), but held: stuck.
    await waitFor(
      async () => {
        const metrics = await service.api.metrics();
        return metricValue(metrics, 'shop_points_stuck_reservations') === 1 && metricValue(metrics, 'shop_points_balance_mismatches') === 0;
      },
      { what: 'the stuck reservation in /metrics' },
    );
    expect(lines.find((line) => line.level === 'error' && line['stuckReservations'] === 1)).toMatchObject({
      msg: expect.stringMatching(/reservations held longer than POINTS_STUCK_RESERVATION_MS/),
      olderThanMs: 1,
      oldest: [{ orderId, userId, points: 30 }],
    });

    // The order released behind the account's back: its 30 points stay frozen for good.
    await home.query(`UPDATE points_order SET status = 'RELEASED' WHERE order_id = ${home.param(1)}`, [orderId]);
    await waitFor(
      async () => {
        const metrics = await service.api.metrics();
        return metricValue(metrics, 'shop_points_stuck_reservations') === 0 && metricValue(metrics, 'shop_points_balance_mismatches') === 1;
      },
      { what: 'the frozen points no order holds in /metrics' },
    );
    expect(lines.find((line) => line.level === 'error' && line['userId'] === userId)).toMatchObject({
      msg: expect.stringMatching(/frozen points differ from what the reserved orders hold/),
      stored: { available: 70, frozen: 30, lifetimeEarned: 100, debt: 0 },
      ledger: { available: 70, frozen: 30, lifetimeEarned: 100, debt: 0 },
      reservedForOrders: 0,
    });
  });
});

describe.each(KINDS)('npm run points -- reconcile on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  let database: PointsDatabase;
  let adapters: PointsAdapters;
  /** How the CLI is pointed at the test's database: the PostgreSQL URL in its environment, or the SQLite folder. */
  let target: { args: string[]; env: Record<string, string> };

  async function open(): Promise<void> {
    if (kind === 'postgres') {
      database = await openPointsDatabase(kind, cleanups);
      target = { args: [], env: { POINTS_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, databaseNameOf(database.service)) } };
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'shop-points-cli-'));
      cleanups.add(() => rm(dir, { recursive: true, force: true }));
      database = await openPointsDatabase(kind, cleanups, { sqliteDir: dir });
      target = { args: ['--sqlite-dir', dir], env: {} };
    }
    adapters = pointsAdapters(database.transactions);
  }

  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runPointsCommand([...args, ...target.args], { env: target.env, out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** An account with a bonus of 100 and an order's earnings, saved as the service saves it. */
  async function anAccount(): Promise<string> {
    const userId = newId();
    await adapters.transactions.run(async () => {
      const account = PointsAccount.open(userId, NOW);
      account.grantSignupBonus(Points.of(100), NOW);
      account.earn(newId(), Points.of(25), NOW);
      await adapters.accounts.save(account);
    });
    return userId;
  }

  const p = (n: number) => dialectOf(kind).param(n);

  it('exits 0 on a database whose balances all equal their ledgers (and on an empty one)', async () => {
    await open();
    expect(await run('reconcile')).toEqual({ code: 0, out: 'checked 0 account(s): every balance equals its ledger', err: '' });
    await anAccount();
    await anAccount();
    expect(await run('reconcile')).toEqual({ code: 0, out: 'checked 2 account(s): every balance equals its ledger', err: '' });
  });

  it('exits 1 naming each user whose stored balance differs, whatever the page size', async () => {
    await open();
    const users = [await anAccount(), await anAccount(), await anAccount()].sort();
    const corrupted = users[1]!;
    await database.query(`UPDATE points_account SET frozen = 3, debt = 2 WHERE user_id = ${p(1)}`, [corrupted]);
    for (const pageSize of ['1', '2', '1000']) {
      const { code, out } = await run('reconcile', '--page-size', pageSize);
      expect(code).toBe(1);
      expect(out.split('\n')).toEqual([
        `${corrupted}\tstored: available=125 frozen=3 lifetimeEarned=125 debt=2\tledger: available=125 frozen=0 lifetimeEarned=125 debt=0\treservedForOrders=0\t(differs: frozen, debt)`,
        'checked 3 account(s): 1 balance(s) differ from the ledger',
      ]);
    }
  });

  it('also reports ledger entries without an account row, and an account row without entries', async () => {
    await open();
    const orphan = await anAccount();
    await database.query(`DELETE FROM points_account WHERE user_id = ${p(1)}`, [orphan]);
    const empty = newId();
    await database.query(
      `INSERT INTO points_account (user_id, available, frozen, lifetime_earned, debt, created_at, updated_at) VALUES (${p(1)}, 50, 0, 50, 0, 0, 0)`,
      [empty],
    );
    const { code, out } = await run('reconcile', '--json');
    expect(code).toBe(1);
    const zero = { available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 };
    expect(JSON.parse(out)).toEqual({
      checked: 2,
      mismatches: expect.arrayContaining([
        { userId: orphan, stored: zero, ledger: { available: 125, frozen: 0, lifetimeEarned: 125, debt: 0 }, reservedForOrders: 0 },
        { userId: empty, stored: { available: 50, frozen: 0, lifetimeEarned: 50, debt: 0 }, ledger: zero, reservedForOrders: 0 },
      ]),
      stuckReservations: { count: 0, oldest: [] },
    });
  });

  /** Freezes `points` of the user's account for a new order, reserved at `at`, as the service does (account and order in one transaction). */
  async function aReservation(userId: string, points: number, at: Date): Promise<string> {
    const orderId = newId();
    await adapters.transactions.run(async () => {
      const account = (await adapters.accounts.findForUpdate(userId))!;
      account.freeze(orderId, Points.of(points), at);
      await adapters.orders.save(OrderPoints.reserved(orderId, userId, Points.of(points), at));
      await adapters.accounts.save(account);
    });
    return orderId;
  }

  it('exits 1 naming a user whose frozen points no reserved order holds, or whose reserved order froze nothing', async () => {
    await open();
    const [held, lost] = [await anAccount(), await anAccount()];
    await aReservation(held, 20, new Date());
    const lostOrder = await aReservation(lost, 30, new Date());
    const nowhere = newId();
    expect(await run('reconcile')).toMatchObject({ code: 0 });

    // Released behind the account's back, and a reservation no account froze anything for.
    await database.query(`UPDATE points_order SET status = 'RELEASED' WHERE order_id = ${p(1)}`, [lostOrder]);
    await database.query(
      `INSERT INTO points_order (order_id, user_id, status, points, earned, created_at, updated_at) VALUES (${p(1)}, ${p(2)}, 'RESERVED', 15, 0, ${p(3)}, ${p(4)})`,
      [newId(), nowhere, Date.now(), Date.now()],
    );
    const { code, out } = await run('reconcile');
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `${lost}\tstored: available=95 frozen=30 lifetimeEarned=125 debt=0\tledger: available=95 frozen=30 lifetimeEarned=125 debt=0\treservedForOrders=0\t(differs: frozen vs reserved orders)`,
        `${nowhere}\tstored: available=0 frozen=0 lifetimeEarned=0 debt=0\tledger: available=0 frozen=0 lifetimeEarned=0 debt=0\treservedForOrders=15\t(differs: frozen vs reserved orders)`,
      ]),
    );
    expect(lines.at(-1)).toBe('checked 3 account(s): 2 balance(s) differ from the ledger');
    // By pages of one, each user on a page of its own: the same answer.
    expect((await run('reconcile', '--page-size', '1')).out).toBe(out);
  });

  it('exits 1 listing the reservations held longer than the threshold, the oldest first', async () => {
    await open();
    const userId = await anAccount();
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    const hourAgo = new Date(Date.now() - 3_600_000);
    const oldest = await aReservation(userId, 10, twoDaysAgo);
    const recent = await aReservation(userId, 5, hourAgo);

    const byDefault = await run('reconcile');
    expect(byDefault.code).toBe(1);
    expect(byDefault.out.split('\n')).toEqual([
      'checked 1 account(s): every balance equals its ledger',
      `stuck reservation\torder ${oldest}\tuser ${userId}\tpoints=10\treserved at ${twoDaysAgo.toISOString()}`,
      '1 reservation(s) held longer than 86400000 ms',
    ]);
    const shorter = await run('reconcile', '--stuck-reservation-ms', '60000', '--json');
    expect(JSON.parse(shorter.out)).toMatchObject({
      mismatches: [],
      stuckReservations: {
        count: 2,
        oldest: [
          { orderId: oldest, userId, points: 10, reservedAt: twoDaysAgo.toISOString() },
          { orderId: recent, userId, points: 5, reservedAt: hourAgo.toISOString() },
        ],
      },
    });
    target.env = { ...target.env, POINTS_STUCK_RESERVATION_MS: String(3 * 86_400_000) };
    expect(await run('reconcile')).toMatchObject({ code: 0 });
    expect(await run('reconcile', '--stuck-reservation-ms', '0')).toMatchObject({ code: 2, err: expect.stringContaining('--stuck-reservation-ms') });
  });

  it.runIf(kind === 'sqlite')('leaves the SQLite file as it was: read-only, neither migrated nor chmodded, also beside the running service', async () => {
    await open();
    await anAccount();
    const file = join(target.args[1]!, 'points.sqlite');
    await chmod(file, 0o640);
    const before = await readFile(file);
    expect(await run('reconcile')).toMatchObject({ code: 0 });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect((await readFile(file)).equals(before)).toBe(true);
  });

  it('exits 2 on bad usage, naming what is wrong', async () => {
    await open();
    expect(await run()).toMatchObject({ code: 2, err: expect.stringContaining('no command given') });
    expect(await run('rebalance')).toMatchObject({ code: 2, err: expect.stringContaining("unknown command: 'rebalance'") });
    expect(await run('reconcile', '--page-size', '0')).toMatchObject({ code: 2, err: expect.stringContaining('--page-size') });
    expect(await run('reconcile', '--bogus')).toMatchObject({ code: 2, err: expect.stringContaining('--bogus') });
    expect(await run('reconcile', '--postgres-url', TEST_POSTGRES_URL, '--sqlite-dir', '/tmp')).toMatchObject({ code: 2 });
    expect((await run('--help')).code).toBe(0);
  });
});

describe('npm run points -- reconcile without a database', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  const run = async (args: string[], env: Record<string, string> = {}) => {
    const err: string[] = [];
    const code = await runPointsCommand(args, { env, out: () => undefined, err: (line) => err.push(line) });
    return { code, err: err.join('\n') };
  };

  it('exits 2 when none is named, or the SQLite folder holds none', async () => {
    expect(await run(['reconcile'])).toMatchObject({
      code: 2,
      err: 'no database of points named: --postgres-url, $POINTS_DATABASE_URL or $POSTGRES_URL, or --sqlite-dir',
    });
    const dir = await mkdtemp(join(tmpdir(), 'shop-points-cli-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    expect(await run(['reconcile', '--sqlite-dir', dir])).toMatchObject({
      code: 2,
      err: `no database of points at ${join(dir, 'points.sqlite')}`,
    });
  });

  it('exits 2 when the PostgreSQL database does not exist, and does not create it', async () => {
    const name = `shop_points_missing_${randomUUID().slice(0, 8)}`;
    cleanups.add(() => dropDatabase(name));
    const url = withDatabase(TEST_POSTGRES_URL, name);
    expect(await run(['reconcile'], { POINTS_DATABASE_URL: url })).toMatchObject({
      code: 2,
      err: expect.stringMatching(/cannot open the points database: .*does not exist/),
    });
    const admin = new pg.Client({ connectionString: withDatabase(TEST_POSTGRES_URL, 'postgres') });
    await admin.connect();
    try {
      expect((await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rows).toEqual([]);
    } finally {
      await admin.end();
    }
  });

  it('exits 2 on a database without the points tables (not an answer about balances)', async () => {
    // The server's own `postgres` database: reachable, but no points_account.
    expect(await run(['reconcile'], { POINTS_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, 'postgres') })).toMatchObject({
      code: 2,
      err: expect.stringMatching(/reconcile failed: .*points_account/),
    });
  });
});
