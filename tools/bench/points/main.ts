// npm run bench:points — the points service's saga throughput on PostgreSQL + RabbitMQ against the same
// work as hand-written SQL transactions (DESIGN.md section 9). Environment: BENCH_USERS (1200),
// BENCH_ORDERS (6000), BENCH_INSTANCES (2), BENCH_HANDLER_CONCURRENCY (8), BENCH_SIGNUP_BONUS (100),
// BENCH_WARMUP_ORDERS (600), BENCH_LOG_DIR (a temporary folder), TEST_POSTGRES_URL, TEST_AMQP_URL.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { EventEnvelope } from '@shop/contracts';
import { AmqpTransport, DEFAULT_HANDLER_CONCURRENCY, defaultRelayOptions } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { DEFAULT_POOL_SIZE, withDatabase } from '@shop/persistence';
import { TEST_POSTGRES_URL, createVirtualHost, dropDatabase, freePort } from '@shop/testing';
import { intFromEnv } from '../env.js';
import { BackendCpu } from '../flash/postgres-cpu.js';
import { percentile } from '../flash/claims.js';
import { Children } from '../gateway/processes.js';
import { openOrderSideQueue } from './broker.js';
import { checkLedger } from './checks.js';
import { RAW_SCHEMA, RawSaga } from './raw-baseline.js';
import { orderPaid, orderPlaced, userRegistered, workload, type BenchOrder, type Workload } from './workload.js';

const USERS = intFromEnv('BENCH_USERS', 1_200);
const ORDERS = intFromEnv('BENCH_ORDERS', 6_000);
const INSTANCES = intFromEnv('BENCH_INSTANCES', 2);
const CONCURRENCY = intFromEnv('BENCH_HANDLER_CONCURRENCY', DEFAULT_HANDLER_CONCURRENCY);
const BONUS = intFromEnv('BENCH_SIGNUP_BONUS', 100);
const WARM_UP_ORDERS = intFromEnv('BENCH_WARMUP_ORDERS', 600);
// The warm-up keeps the measured run's orders per user, so that it asks the same points.
const WARM_UP_USERS = Math.max(1, Math.round((USERS * WARM_UP_ORDERS) / ORDERS));
/** Envelopes per `publishBatch`, as a relay pass would send them. */
const PUBLISH_BATCH = 500;
const POLL_MS = 100;
/** A run whose count stops moving for this long has failed (a stuck consumer, a poisoned message). */
const STALL_MS = 60_000;

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** One measured run: both phases, events of both kinds, what each process used. */
interface RunResult {
  readonly mode: string;
  readonly placedMs: number;
  readonly paidMs: number;
  readonly latenciesMs: readonly number[] | undefined;
  readonly serviceCpuMs: number | undefined;
  readonly postgresCpuMs: number | undefined;
}

/** Every order is placed and paid: two events each. */
const EVENTS = 2 * ORDERS;
const perSecond = (count: number, ms: number) => (count * 1000) / ms;
const rateOf = (run: RunResult) => perSecond(EVENTS, run.placedMs + run.paidMs);
const fixed = (value: number | undefined, digits: number) => (value === undefined ? 'n/a' : value.toFixed(digits));

/** Runs `count` jobs, `concurrency` at once (each worker takes the next job when its own is done). */
async function inParallel(count: number, concurrency: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) await job(index);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Polls `sql` (one row, column `n`) until it reaches `target`; fails when it stops moving for `STALL_MS`. */
async function waitForCount(db: pg.Pool, sql: string, target: number, what: string): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const n = (await db.query<{ n: number }>(sql)).rows[0]!.n;
    if (n >= target) return;
    if (n !== last) [last, movedAt] = [n, Date.now()];
    if (Date.now() - movedAt > STALL_MS) throw new Error(`${what}: stuck at ${n} of ${target} for ${STALL_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const count = async (db: pg.Pool, sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;
const ORDER_ROWS = 'SELECT COUNT(*)::int AS n FROM public.points_order';
const RESERVED_ROWS = `SELECT COUNT(*)::int AS n FROM public.points_order WHERE status = 'RESERVED'`;
const PAID_ROWS = `SELECT COUNT(*)::int AS n FROM public.points_order WHERE status = 'PAID'`;
const BONUS_ROWS = `SELECT COUNT(*)::int AS n FROM public.points_ledger WHERE kind = 'BONUS'`;

/** Adds a run's users and orders to what a schema must hold. */
function expect(into: { users: number; orders: number; available: Map<string, number> }, run: Workload): void {
  into.users += run.userIds.length;
  into.orders += run.orders.length;
  for (const [userId, available] of run.expectedAvailable) into.available.set(userId, available);
}

async function main(): Promise<void> {
  const run = randomBytes(4).toString('hex');
  const database = `shop_points_bench_${run}`;
  const databaseUrl = withDatabase(TEST_POSTGRES_URL, database);
  const logDir = process.env['BENCH_LOG_DIR'] || mkdtempSync(join(tmpdir(), 'bench-points-'));
  mkdirSync(logDir, { recursive: true });
  const children = new Children(logDir);
  const closers: Array<() => Promise<unknown>> = [];
  const stop = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => console.error('cleanup failed:', error));
    await children.stopAll();
    await dropDatabase(database, TEST_POSTGRES_URL).catch((error: unknown) => console.error(`could not drop ${database}:`, error));
  };
  // Ctrl-C or a kill: stop the services, drop the database and the virtual host before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
  const started: string[] = [];
  const benchStarted = performance.now();

  try {
    console.log(
      `points bench: ${USERS} users with a ${BONUS}-point sign-up bonus, ${ORDERS} orders (order.placed.v1 then order.paid.v1), ` +
        `${CONCURRENCY} handlers per instance, 1..${INSTANCES} instances; warm-up ${WARM_UP_ORDERS} orders of ${WARM_UP_USERS} users; logs in ${logDir}`,
    );
    const vhost = await createVirtualHost(database);
    // First closer: runs last, once every connection to the virtual host is closed.
    closers.push(() => vhost.remove());
    const orderSide = await openOrderSideQueue(vhost.url);
    closers.push(() => orderSide.close());

    const internalSecret = randomBytes(48).toString('base64');
    const startInstance = async (name: string): Promise<void> => {
      const port = await freePort();
      children.spawn(name, join(ROOT, 'apps', 'points', 'dist', 'main.js'), {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        AMQP_URL: vhost.url,
        POSTGRES_URL: TEST_POSTGRES_URL,
        POINTS_DATABASE_URL: databaseUrl,
        INTERNAL_AUTH_SECRET: internalSecret,
        POINTS_SIGNUP_BONUS: String(BONUS),
        HANDLER_CONCURRENCY: String(CONCURRENCY),
        // Room for the relay's workers, the handlers and requests (the service refuses a smaller pool).
        DB_POOL_SIZE: process.env['DB_POOL_SIZE'] ?? String(Math.max(DEFAULT_POOL_SIZE, defaultRelayOptions.concurrency + CONCURRENCY + 4)),
      });
      started.push(name);
      await children.waitReady(name, `http://127.0.0.1:${port}/health/ready`);
      await orderSide.deleteOtherSubscribersQueues();
    };

    // The service migrates its database, then stops: the baseline copies its tables and runs alone.
    await startInstance('points-migrate');
    await children.stopAll();
    const backends = await BackendCpu.open(TEST_POSTGRES_URL, [database]);
    closers.push(() => backends.close());
    const raw = await RawSaga.open(databaseUrl, CONCURRENCY);
    closers.push(() => raw.close());
    const rawExpected = { users: 0, orders: 0, available: new Map<string, number>() };
    const rawRun = async (mode: string, work: Workload): Promise<RunResult> => {
      await raw.grantBonus(work.userIds, BONUS);
      expect(rawExpected, work);
      const pgBefore = await backends.snapshot();
      const phase = async (step: (order: BenchOrder) => Promise<void>) => {
        const from = performance.now();
        await inParallel(work.orders.length, CONCURRENCY, (index) => step(work.orders[index]!));
        return performance.now() - from;
      };
      const placedMs = await phase((order) => raw.place(order));
      const paidMs = await phase((order) => raw.pay(order));
      return { mode, placedMs, paidMs, latenciesMs: undefined, serviceCpuMs: undefined, postgresCpuMs: BackendCpu.used(pgBefore, await backends.snapshot()) };
    };
    await rawRun('warm-up', workload(WARM_UP_USERS, WARM_UP_ORDERS, BONUS));
    const results: RunResult[] = [await rawRun(`raw SQL (${CONCURRENCY} tx)`, workload(USERS, ORDERS, BONUS))];
    await closers.pop()!();

    // The platform: the points service, as deployed, fed the contract events the user and order services publish.
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    closers.push(() => db.end());
    const publisher = await AmqpTransport.connect({ url: vhost.url, connectionName: 'benchorder.publisher', logger: silentLogger(), confirmTimeoutMs: 30_000 });
    closers.push(() => publisher.close());
    const publishedAt = new Map<string, number>();
    const publishAll = async (envelopes: readonly EventEnvelope[]) => {
      for (let from = 0; from < envelopes.length; from += PUBLISH_BATCH) {
        const batch = envelopes.slice(from, from + PUBLISH_BATCH);
        const now = Date.now();
        for (const envelope of batch) publishedAt.set(envelope.id, now);
        const failed = (await publisher.publishBatch(batch)).filter((outcome) => !outcome.ok);
        if (failed.length > 0) throw new Error(`${failed.length} publishes failed: ${failed[0]!.ok ? '' : failed[0]!.error.message}`);
      }
    };
    const serviceExpected = { users: 0, orders: 0, available: new Map<string, number>() };
    const serviceRun = async (mode: string, work: Workload): Promise<RunResult> => {
      const orders = work.orders.length;
      expect(serviceExpected, work);
      const bonuses = await count(db, BONUS_ROWS);
      const signUpFrom = performance.now();
      await publishAll(work.userIds.map(userRegistered));
      await waitForCount(db, BONUS_ROWS, bonuses + work.userIds.length, `${mode}: sign-up bonuses`);
      console.log(
        `${mode}: ${work.userIds.length} user.registered.v1 handled in ${((performance.now() - signUpFrom) / 1000).toFixed(1)} s (sign-up bonuses, not measured)`,
      );
      const placed = work.orders.map(orderPlaced);
      const paid = work.orders.map((order, index) => orderPaid(order, placed[index]!));
      const [orderRows, paidRows] = [await count(db, ORDER_ROWS), await count(db, PAID_ROWS)];
      const instances = started.filter((name) => name !== 'points-migrate');
      // CPU time of the instances together; undefined off Linux.
      const cpu = (): number | undefined => {
        const used = instances.map((name) => children.cpuMs(name));
        return used.every((ms) => ms !== undefined) ? used.reduce<number>((sum, ms) => sum + ms!, 0) : undefined;
      };
      const [cpuBefore, pgBefore] = [cpu(), await backends.snapshot()];

      const placedFrom = performance.now();
      await publishAll(placed);
      await waitForCount(db, ORDER_ROWS, orderRows + orders, `${mode}: order.placed.v1 handled`);
      const placedMs = performance.now() - placedFrom;
      const reserved = await count(db, RESERVED_ROWS);
      if (reserved !== orders)
        throw new Error(`${mode}: ${reserved} of ${orders} orders RESERVED after their placement (a rejection, or an order handled twice)`);
      const paidFrom = performance.now();
      await publishAll(paid);
      await waitForCount(db, PAID_ROWS, paidRows + orders, `${mode}: order.paid.v1 handled`);
      const paidMs = performance.now() - paidFrom;

      const [cpuAfter, pgAfter] = [cpu(), await backends.snapshot()];
      const ids = [...placed, ...paid].map((envelope) => envelope.id);
      const { rows } = await db.query<{ message_id: string; processed_at: string }>(
        'SELECT message_id, processed_at FROM public.inbox WHERE message_id = ANY($1)',
        [ids],
      );
      const latenciesMs = rows.map((row) => Number(row.processed_at) - publishedAt.get(row.message_id)!).sort((a, b) => a - b);
      return {
        mode,
        placedMs,
        paidMs,
        latenciesMs,
        serviceCpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
        postgresCpuMs: BackendCpu.used(pgBefore, pgAfter),
      };
    };

    await startInstance('points-1');
    await serviceRun('warm-up', workload(WARM_UP_USERS, WARM_UP_ORDERS, BONUS));
    for (let instances = 1; instances <= INSTANCES; instances++) {
      if (instances > 1) await startInstance(`points-${instances}`);
      results.push(await serviceRun(`points ×${instances}`, workload(USERS, ORDERS, BONUS)));
    }

    // The check: the relay has sent every points.reserved.v1 to the order side, the ledgers add up.
    await waitForCount(db, `SELECT (COUNT(*) = 0)::int AS n FROM public.outbox_pending`, 1, 'the relay publishing the outbox');
    const problems = (await checkLedger(databaseUrl, 'public', serviceExpected)).map((problem) => `service: ${problem}`);
    problems.push(...(await checkLedger(databaseUrl, RAW_SCHEMA, rawExpected)).map((problem) => `raw SQL: ${problem}`));
    const sent = await orderSide.depth();
    if (sent !== serviceExpected.orders) problems.push(`service: ${sent} points.reserved.v1 reached the order side, expected ${serviceExpected.orders}`);

    const baseline = rateOf(results[0]!);
    const header = [
      'mode',
      'events',
      'seconds',
      'events/s',
      'ratio',
      'placed/s',
      'paid/s',
      'queued p50 ms',
      'queued p99 ms',
      'service CPU ms/ev',
      'PG CPU ms/ev',
    ];
    const table = results.map((result) => {
      const latency = (p: number) => (result.latenciesMs ? fixed(percentile(result.latenciesMs, p), 0) : 'n/a');
      return [
        result.mode,
        String(EVENTS),
        ((result.placedMs + result.paidMs) / 1000).toFixed(2),
        rateOf(result).toFixed(0),
        (rateOf(result) / baseline).toFixed(2),
        perSecond(ORDERS, result.placedMs).toFixed(0),
        perSecond(ORDERS, result.paidMs).toFixed(0),
        latency(50),
        latency(99),
        fixed(result.serviceCpuMs === undefined ? undefined : result.serviceCpuMs / EVENTS, 3),
        fixed(result.postgresCpuMs === undefined ? undefined : result.postgresCpuMs / EVENTS, 3),
      ];
    });
    const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row[column]!.length)));
    for (const row of [header, ...table])
      console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
    console.log(`ledger check: ${problems.length === 0 ? 'ok' : 'FAILED'}`);
    for (const problem of problems) console.error(`  ${problem}`);
    const parts = results
      .slice(1)
      .flatMap((result, index) => [`ratio_x${index + 1}=${(rateOf(result) / baseline).toFixed(2)}`, `x${index + 1}_events_per_s=${rateOf(result).toFixed(0)}`]);
    console.log(`points: ${parts.join(' ')} raw_events_per_s=${baseline.toFixed(0)} ledger_check=${problems.length === 0 ? 'ok' : 'FAILED'}`);
    console.log(`(the whole bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s)`);
    if (problems.length > 0) process.exitCode = 1;
  } catch (error) {
    for (const name of started) console.error(`--- last lines of ${name}:\n${children.tail(name, 15)}`);
    throw error;
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:points failed:', error);
  process.exitCode = 1;
});
