import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { UserRegisteredV1 } from '@shop/contracts';
import { createLogger } from '@shop/observability';
import { databaseNameOf, dialectOf, withDatabase } from '@shop/persistence';
import { newId } from '@shop/shared-kernel';
import { Cleanups, TEST_POSTGRES_URL, dropDatabase, waitFor } from '@shop/testing';
import { PointsAccount } from '../src/domain/points-account.js';
import { Points } from '../src/domain/points.js';
import { runPointsCommand } from '../src/infrastructure/cli/points-command.js';
import { PointsServiceHome, SETUPS, envelopeOf, testPointsConfig } from './support/points-service-harness.js';
import { KINDS, openPointsDatabase, pointsAdapters, type PointsAdapters, type PointsDatabase } from './support/points-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown> & { level: number; msg?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: createLogger('points', { level: 'info' }, sink), lines };
}

/** The value of a metric without labels of its own (the service's default label aside) in a Prometheus exposition; undefined when absent. */
function metricValue(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.each(SETUPS)('the reconciliation job of the points service on %s', (setup) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('reports an account whose balance was changed beside its ledger: in /metrics and in the log, until it is put right', async () => {
    const home = await PointsServiceHome.create(setup, cleanups);
    const { logger, lines } = capturingLogger();
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
    const reported = lines.find((line) => line.level === 50 && line['userId'] === bob);
    expect(reported).toMatchObject({
      msg: expect.stringMatching(/differs from the sum of the ledger/),
      stored: { available: 107, frozen: 0, lifetimeEarned: 100, debt: 0 },
      ledger: { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 },
    });
    expect(lines.some((line) => line['userId'] === ada && line.level >= 50)).toBe(false);

    // Put right: the next check finds nothing again.
    await home.query(`UPDATE points_account SET available = available - 7 WHERE user_id = ${home.param(1)}`, [bob]);
    await waitFor(async () => metricValue(await service.api.metrics(), 'shop_points_balance_mismatches') === 0, { what: 'the mismatch gone from /metrics' });
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
        `${corrupted}\tstored: available=125 frozen=3 lifetimeEarned=125 debt=2\tledger: available=125 frozen=0 lifetimeEarned=125 debt=0\t(differs: frozen, debt)`,
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
        { userId: orphan, stored: zero, ledger: { available: 125, frozen: 0, lifetimeEarned: 125, debt: 0 } },
        { userId: empty, stored: { available: 50, frozen: 0, lifetimeEarned: 50, debt: 0 }, ledger: zero },
      ]),
    });
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
