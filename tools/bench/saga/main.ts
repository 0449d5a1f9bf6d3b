// npm run bench:saga — the whole purchase under load (DESIGN.md section 9, issue 12): many customers at
// once place orders (some with a coupon, some with points, some with both) and pay them, through the
// gateway, every app its own process on PostgreSQL + RabbitMQ; completed orders/s and the latency from
// POST /orders to PAID, then every invariant of the saga checked in the services' databases.
// Environment: BENCH_USERS (96), BENCH_ORDERS (3000), BENCH_WARMUP_ROUNDS (1), BENCH_POLL_MS (25),
// BENCH_STEP_TIMEOUT_MS (30000), BENCH_SIGNUP_BONUS (1000), BENCH_CALLBACK (in-process | gateway),
// BENCH_SETUP_CONCURRENCY (8), BENCH_DRAIN_TIMEOUT_MS (60000), BENCH_CPU_PROF_DIR, BENCH_LOG_DIR,
// TEST_POSTGRES_URL, TEST_AMQP_URL; DB_POOL_SIZE, HANDLER_CONCURRENCY, LOG_LEVEL, … go to the services as they are.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { CONTEXT_NAMES } from '@shop/contracts';
import { withDatabase } from '@shop/persistence';
import { TEST_POSTGRES_URL, createVirtualHost, dropDatabase, freePort } from '@shop/testing';
import { intFromEnv } from '../env.js';
import { percentile } from '../flash/claims.js';
import { BackendCpu, type CpuSnapshot } from '../flash/postgres-cpu.js';
import { Children } from '../gateway/processes.js';
import { newPlatformSecrets, serviceEnvironment } from '../platform.js';
import { checkInvariants, type ContextDatabases, type PaidOrder } from './invariants.js';
import { loadClient } from '../load-client.js';
import type { Customer, OrderTrace, SagaJob, SagaRun } from './job.js';
import { COUPON_DISCOUNT, PRODUCTS, planOrders } from './plan.js';
import { databaseCounters, type DatabaseCounters } from './postgres-stats.js';
import { brokerCpu, brokerCpuUsed, machineCpu, type MachineCpu } from './system-cpu.js';
import { serverTimeline } from './timeline.js';

const USERS = intFromEnv('BENCH_USERS', 96);
const ORDERS = intFromEnv('BENCH_ORDERS', 3_000);
const WARM_UP_ROUNDS = Number(process.env['BENCH_WARMUP_ROUNDS'] ?? 1);
if (!Number.isInteger(WARM_UP_ROUNDS) || WARM_UP_ROUNDS < 0) throw new Error('BENCH_WARMUP_ROUNDS must be a whole number ≥ 0');
const POLL_MS = intFromEnv('BENCH_POLL_MS', 25);
const STEP_TIMEOUT_MS = intFromEnv('BENCH_STEP_TIMEOUT_MS', 30_000);
const BONUS = intFromEnv('BENCH_SIGNUP_BONUS', 1_000);
const CALLBACK = process.env['BENCH_CALLBACK'] ?? 'in-process';
if (CALLBACK !== 'in-process' && CALLBACK !== 'gateway') throw new Error(`BENCH_CALLBACK must be in-process or gateway, not '${CALLBACK}'`);
const SETUP_CONCURRENCY = intFromEnv('BENCH_SETUP_CONCURRENCY', 8);
const DRAIN_TIMEOUT_MS = intFromEnv('BENCH_DRAIN_TIMEOUT_MS', 60_000);
const PROFILE_DIR = process.env['BENCH_CPU_PROF_DIR'] || undefined;

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const API = '/api/v1';
/** The coupon contract's largest per-user limit: a customer who needs more coupons claims from a second template. */
const MAX_PER_USER_LIMIT = 100;
const SERVICES = ['user', 'order', 'coupon', 'points', 'payment'] as const;
/** Processes whose CPU time per order is printed. */
const MEASURED = ['gateway', ...SERVICES, 'client'] as const;

/** A JSON call through the gateway; the answer, or an error unless 2xx. SERVICE_BUSY (the gateway's bulkhead) is tried again. */
async function call<T>(
  origin: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${origin}${API}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    if (response.status === 503 && attempt < 20) {
      await sleep(250 * attempt);
      continue;
    }
    if (!response.ok) throw new Error(`${method} ${API}${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

/** Runs `count` jobs, `concurrency` at once. */
async function inParallel<T>(count: number, concurrency: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) results[index] = await job(index);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

const fmt = (value: number | undefined): string =>
  value === undefined ? 'n/a' : value >= 100 ? Math.round(value).toString() : value.toFixed(value >= 10 ? 1 : 2);
const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
const spread = (values: readonly number[]): string => {
  const sorted = ascending(values);
  return `p50=${fmt(percentile(sorted, 50))} p99=${fmt(percentile(sorted, 99))} max=${fmt(sorted.at(-1))}`;
};
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  if (!(CONTEXT_NAMES as readonly string[]).includes('payment'))
    throw new Error('the payment context is not in CONTEXTS (libs/contracts/src/contexts.ts): the gateway would not serve /payments');
  const run = randomBytes(4).toString('hex');
  const logDir = process.env['BENCH_LOG_DIR'] || mkdtempSync(join(tmpdir(), 'bench-saga-'));
  mkdirSync(logDir, { recursive: true });
  const children = new Children(logDir);
  const vhostName = `shop_saga_bench_${run}`;
  const databaseNames = Object.fromEntries(CONTEXT_NAMES.map((service) => [service, `shop_bench_saga_${run}_${service}`]));
  const databases = Object.fromEntries(SERVICES.map((service) => [service, withDatabase(TEST_POSTGRES_URL, databaseNames[service]!)])) as ContextDatabases;
  const closers: Array<() => Promise<unknown>> = [];
  const stop = async (): Promise<void> => {
    // The services first: the virtual host goes once nothing is connected to it.
    await children.stopAll();
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => console.error('cleanup failed:', error));
    for (const database of Object.values(databaseNames))
      await dropDatabase(database, TEST_POSTGRES_URL).catch((error: unknown) => console.error(`could not drop ${database}:`, error));
  };
  // Ctrl-C or a kill: stop the servers, drop the databases and the virtual host before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));

  try {
    const plans = planOrders(USERS, ORDERS + USERS * WARM_UP_ROUNDS);
    console.log(
      `saga bench: ${USERS} customers at once, ${ORDERS} orders measured (after ${WARM_UP_ROUNDS} warm-up order${WARM_UP_ROUNDS === 1 ? '' : 's'} each), ` +
        `polling every ${POLL_MS} ms, sandbox callbacks ${CALLBACK === 'gateway' ? 'over HTTP through the gateway' : 'in process'}; ` +
        `load ${loadavg()
          .map((load) => load.toFixed(2))
          .join(' ')}; servers' logs in ${logDir}`,
    );

    // The broker: a virtual host of the run's own, so the services keep their real queue names and meet nobody else's messages.
    const vhost = await createVirtualHost(vhostName);
    closers.push(() => vhost.remove());

    // Every context's service and the gateway, each its own process from its build, each service on its own scratch database.
    const secrets = newPlatformSecrets();
    const admin = { email: `saga-admin-${run}@example.com`, password: `Saga-${randomBytes(12).toString('hex')}` };
    const profile = (name: string): string[] => {
      if (!PROFILE_DIR) return [];
      mkdirSync(join(PROFILE_DIR, name), { recursive: true });
      return ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, name)}`];
    };
    const gatewayPort = await freePort();
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    const extra: Record<string, Record<string, string>> = {
      user: { SHOP_ADMIN_EMAIL: admin.email, SHOP_ADMIN_PASSWORD: admin.password },
      points: { POINTS_SIGNUP_BONUS: String(BONUS) },
      payment: CALLBACK === 'gateway' ? { PAYMENT_SANDBOX_CALLBACK_URL: `${gateway}${API}/payments/callback` } : {},
    };
    const serviceOrigins = new Map<string, string>();
    for (const service of CONTEXT_NAMES) {
      const port = await freePort();
      children.spawn(
        service,
        join(ROOT, 'apps', service, 'dist', 'main.js'),
        serviceEnvironment(service, {
          port,
          amqpUrl: vhost.url,
          postgresUrl: TEST_POSTGRES_URL,
          databaseUrl: withDatabase(TEST_POSTGRES_URL, databaseNames[service]!),
          secrets,
          ...(extra[service] ? { extra: extra[service] } : {}),
        }),
        profile(service),
      );
      serviceOrigins.set(service, `http://127.0.0.1:${port}`);
    }
    children.spawn(
      'gateway',
      join(ROOT, 'apps', 'gateway', 'dist', 'main.js'),
      {
        ...process.env,
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        JWT_SECRET: secrets.jwtSecret,
        INTERNAL_AUTH_SECRET: secrets.internalSecret,
        RATE_LIMIT_PER_MINUTE: '0',
        ...Object.fromEntries([...serviceOrigins].map(([service, origin]) => [`${service.toUpperCase()}_SERVICE_URL`, origin])),
      },
      profile('gateway'),
    );
    for (const [service, origin] of serviceOrigins) await children.waitReady(service, `${origin}/health/ready`);
    await children.waitReady('gateway', `${gateway}${API}/health/ready`);

    // The shop: the admin (seeded by the user service) adds the catalog and the coupon campaign.
    const setUpStarted = performance.now();
    const { accessToken: adminToken } = await call<{ accessToken: string }>(gateway, 'POST', '/auth/login', { body: admin });
    // The admin's account is registered as any other (user.registered.v1): it has its sign-up bonus too.
    const { userId: adminId } = await call<{ userId: string }>(gateway, 'GET', '/me', { token: adminToken });
    for (const product of PRODUCTS) await call(gateway, 'POST', '/admin/products', { token: adminToken, body: product });
    const couponsPerTemplate = Array.from({ length: Math.ceil(Math.max(0, ...plans.map((plan) => plan.coupons)) / MAX_PER_USER_LIMIT) }, (_, template) =>
      plans.reduce((sum, plan) => sum + Math.max(0, Math.min(MAX_PER_USER_LIMIT, plan.coupons - template * MAX_PER_USER_LIMIT)), 0),
    );
    const templateIds: string[] = [];
    for (const [index, totalStock] of couponsPerTemplate.entries()) {
      const template = await call<{ templateId: string }>(gateway, 'POST', '/admin/coupon-templates', {
        token: adminToken,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          name: `Saga bench campaign ${index + 1}`,
          discount: COUPON_DISCOUNT,
          totalStock,
          perUserLimit: MAX_PER_USER_LIMIT,
          validity: { validDays: 30 },
        },
      });
      templateIds.push(template.templateId);
    }

    // The customers: each registers and signs in through the gateway (argon2id twice, at the OWASP cost), then
    // claims the coupons its orders use; the sign-up bonus reaches the points service over RabbitMQ.
    const customers: Customer[] = await inParallel(USERS, SETUP_CONCURRENCY, async (index) => {
      const credentials = { email: `saga-${run}-${index}@example.com`, password: `Saga-${run}-${index}-password` };
      const { userId } = await call<{ userId: string }>(gateway, 'POST', '/auth/register', { body: { ...credentials, nickname: `saga ${index}` } });
      const { accessToken } = await call<{ accessToken: string }>(gateway, 'POST', '/auth/login', { body: credentials });
      const plan = plans[index]!;
      const coupons: string[] = [];
      for (let claim = 0; claim < plan.coupons; claim++) {
        const templateId = templateIds[Math.floor(claim / MAX_PER_USER_LIMIT)]!;
        coupons.push((await call<{ couponId: string }>(gateway, 'POST', `/coupon-templates/${templateId}/claim`, { token: accessToken })).couponId);
      }
      const orders = plan.orders.map(({ items, pointsToUse, couponIndex }) => ({
        items,
        ...(pointsToUse === undefined ? {} : { pointsToUse }),
        ...(couponIndex === undefined ? {} : { couponId: coupons[couponIndex]! }),
      }));
      return { userId, accessToken, orders };
    });
    const pointsDb = new pg.Pool({ connectionString: databases.points, max: 1 });
    closers.push(() => pointsDb.end());
    for (const deadline = Date.now() + 60_000; ;) {
      const { rows } = await pointsDb.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM points_ledger WHERE kind = 'BONUS'`);
      if (rows[0]!.n >= USERS + 1) break;
      if (Date.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${USERS + 1} sign-up bonuses reached the points service within 60 s`);
      await sleep(200);
    }
    await closers.pop()!();
    const claimed = plans.reduce((sum, plan) => sum + plan.coupons, 0);
    console.log(
      `set-up: ${PRODUCTS.length} products, ${USERS} customers registered and signed in, ${claimed} coupons claimed, every sign-up bonus in ` +
        `${((performance.now() - setUpStarted) / 1000).toFixed(1)} s`,
    );

    const client = loadClient<SagaJob, SagaRun>(children.fork('client', fileURLToPath(new URL('./client.js', import.meta.url)), process.env));
    const job = (name: string, pick: (customer: Customer) => Customer['orders']): SagaJob => ({
      name,
      origin: gateway,
      customers: customers.map((customer) => ({ ...customer, orders: pick(customer) })),
      pollMs: POLL_MS,
      stepTimeoutMs: STEP_TIMEOUT_MS,
    });
    const runs: SagaRun[] = [];
    if (WARM_UP_ROUNDS > 0) {
      const warmUp = await client(job('warm-up', (customer) => customer.orders.slice(0, WARM_UP_ROUNDS)));
      runs.push(warmUp);
      console.log(
        `warm-up: ${warmUp.orders.length} orders paid in ${(warmUp.elapsedMs / 1000).toFixed(1)} s` +
          (warmUp.failures.length > 0 ? `, ${warmUp.failures.length} failed: ${warmUp.failures[0]!.error}` : ''),
      );
    }

    const backends = await BackendCpu.open(TEST_POSTGRES_URL, Object.values(databaseNames));
    closers.push(() => backends.close());
    let cpuBefore: Array<number | undefined> = [];
    let pgBefore: CpuSnapshot = new Map();
    let brokerBefore: ReadonlyMap<number, number> = new Map();
    let machineBefore: MachineCpu | undefined;
    let fromUs = 0;
    let selfBefore: NodeJS.CpuUsage | undefined;
    let countersBefore = new Map<string, DatabaseCounters>();
    const measured = await client(
      job('measured', (customer) => customer.orders.slice(WARM_UP_ROUNDS)),
      async () => {
        countersBefore = await databaseCounters(TEST_POSTGRES_URL, Object.values(databaseNames), 1_000);
        pgBefore = await backends.snapshot();
        brokerBefore = brokerCpu();
        machineBefore = machineCpu();
        cpuBefore = MEASURED.map((name) => children.cpuMs(name));
        selfBefore = process.cpuUsage();
        fromUs = nowUs();
      },
    );
    const toUs = nowUs();
    const self = process.cpuUsage(selfBefore);
    const cpuAfter = MEASURED.map((name) => children.cpuMs(name));
    const machineAfter = machineCpu();
    const brokerUsed = brokerCpuUsed(brokerBefore, brokerCpu());
    const pgUsed = BackendCpu.used(pgBefore, await backends.snapshot());
    runs.push(measured);
    const countersAfter = await databaseCounters(TEST_POSTGRES_URL, Object.values(databaseNames), 1_000);
    if (PROFILE_DIR) writeFileSync(join(PROFILE_DIR, 'windows.json'), `${JSON.stringify({ measured: { fromUs, toUs } }, null, 2)}\n`);

    // The figures.
    const completed = measured.orders.length;
    const ordersPerSecond = completed / (measured.elapsedMs / 1000);
    const latencies = ascending(measured.orders.map((order) => order.paidSeenAt - order.sentAt));
    const p99 = percentile(latencies, 99);
    console.log(
      `measured: ${completed} orders paid in ${(measured.elapsedMs / 1000).toFixed(2)} s: ${fmt(ordersPerSecond)} orders/s; ` +
        `POST /orders → PAID seen: ${spread(latencies)} ms` +
        (measured.failures.length > 0 ? `; ${measured.failures.length} customers stopped on a failure` : ''),
    );
    const step = (what: string, values: readonly number[]) => console.log(`  ${what.padEnd(44)} ${spread(values)} ms`);
    console.log('where the time goes, as the client sees it:');
    step(
      'POST /orders answered',
      measured.orders.map((o) => o.placedAt - o.sentAt),
    );
    step(
      'placed → AWAITING_PAYMENT seen (reservations)',
      measured.orders.filter((o) => o.plan.couponId || o.plan.pointsToUse).map((o) => o.awaitingSeenAt - o.placedAt),
    );
    step(
      '→ POST /payments answered 201',
      measured.orders.map((o) => o.paymentCreatedAt - o.awaitingSeenAt),
    );
    step(
      '→ POST /payments/{id}/simulate answered',
      measured.orders.map((o) => o.simulatedAt - o.paymentCreatedAt),
    );
    step(
      '→ PAID seen',
      measured.orders.map((o) => o.paidSeenAt - o.simulatedAt),
    );
    const timeline = await serverTimeline(databases, measured.orders);
    console.log('and as the services recorded it (order history, payment rows):');
    for (const [what, values] of timeline) step(what, values);
    const perOrder = (count: number) => (completed === 0 ? 'n/a' : (count / completed).toFixed(2));
    console.log(
      `requests per order: ${Object.entries(measured.requests)
        .map(([kind, count]) => `${kind} ${perOrder(count)}`)
        .join(', ')}; POST /payments answered 404 (projection behind) for ${measured.orders.filter((o) => o.paymentNotFound > 0).length} orders, ` +
        `201 FAILED (the provider failed or was too slow: a new attempt) ${measured.orders.reduce((sum, o) => sum + o.paymentsFailed, 0)} times`,
    );
    console.log(
      `PostgreSQL per order (transactions committed / rolled back, rows written): ${CONTEXT_NAMES.map((service) => {
        const [before, after] = [countersBefore.get(databaseNames[service]!), countersAfter.get(databaseNames[service]!)];
        if (!before || !after || completed === 0) return `${service} n/a`;
        const per = (value: number) => (value / completed).toFixed(1);
        return `${service} ${per(after.commits - before.commits)}/${per(after.rollbacks - before.rollbacks)}, ${per(after.written - before.written)}`;
      }).join('; ')}`,
    );
    const cpuOf = (index: number) => (cpuBefore[index] === undefined || cpuAfter[index] === undefined ? undefined : cpuAfter[index]! - cpuBefore[index]!);
    const perOrderMs = (ms: number | undefined) => (ms === undefined || completed === 0 ? 'n/a' : (ms / completed).toFixed(2));
    const shares: Array<readonly [string, number | undefined]> = [
      ...MEASURED.map((name, index) => [name === 'client' ? 'load client' : name, cpuOf(index)] as const),
      ['PostgreSQL backends', pgUsed],
      ['RabbitMQ', brokerUsed],
      ['bench', (self.user + self.system) / 1000],
    ];
    const runMs = measured.elapsedMs;
    console.log(
      `CPU per order (ms) and share of one core during the run: ${shares
        .map(([name, ms]) => `${name} ${perOrderMs(ms)} (${ms === undefined ? 'n/a' : `${Math.round((ms / runMs) * 100)}%`})`)
        .join(', ')}`,
    );
    if (machineBefore && machineAfter) {
      const busy = machineAfter.busyMs - machineBefore.busyMs;
      const total = machineAfter.totalMs - machineBefore.totalMs;
      console.log(
        `machine: ${machineAfter.cores} cores ${Math.round((busy / total) * 100)}% busy during the run (${perOrderMs(busy)} ms of CPU per order in all); ` +
          `load ${loadavg()
            .map((load) => load.toFixed(2))
            .join(' ')}`,
      );
    }

    // The invariants, once the saga's last events have gone through (polled: the services settle asynchronously).
    const failures = runs.flatMap((run) => run.failures);
    for (const failure of failures.slice(0, 5))
      console.error(`failed: customer ${failure.userId}${failure.orderId ? `, order ${failure.orderId}` : ''}: ${failure.error}`);
    const paid: PaidOrder[] = runs
      .flatMap((run) => run.orders)
      .map((order: OrderTrace) => ({
        orderId: order.orderId,
        userId: order.userId,
        couponId: order.plan.couponId,
        pointsToUse: order.plan.pointsToUse ?? 0,
        payable: order.payable,
        paymentId: order.paymentId,
      }));
    const expectation = {
      userIds: [adminId, ...customers.map((customer) => customer.userId)],
      bonus: BONUS,
      paid,
      failedOrderIds: failures.flatMap((failure) => (failure.orderId ? [failure.orderId] : [])),
      failedAttempts: runs.flatMap((run) => run.orders).reduce((sum, order) => sum + order.paymentsFailed, 0),
    };
    const drainStarted = performance.now();
    let problems = await checkInvariants(databases, vhostName, expectation);
    while (problems.length > 0 && performance.now() - drainStarted < DRAIN_TIMEOUT_MS) {
      await sleep(1_000);
      problems = await checkInvariants(databases, vhostName, expectation);
    }
    if (failures.length > 0) problems.unshift(`${failures.length} customers stopped on a failed order`);
    const ok = problems.length === 0;
    console.log(
      `invariants over ${paid.length} paid orders (warm-up included), ${paid.filter((o) => o.couponId).length} with a coupon, ` +
        `${paid.filter((o) => o.pointsToUse > 0).length} with points, ${USERS} customers: ` +
        `${ok ? 'ok' : 'FAILED'} (settled ${((performance.now() - drainStarted) / 1000).toFixed(1)} s after the run)`,
    );
    for (const problem of problems) console.error(`  ${problem}`);
    console.log(`saga: orders_per_s=${Math.round(ordersPerSecond)} p99_ms=${Math.round(p99 ?? 0)} invariants=${ok ? 'ok' : 'failed'}`);
    if (!ok) process.exitCode = 1;
  } catch (error) {
    for (const name of ['gateway', ...CONTEXT_NAMES, 'client']) console.error(`--- last lines of ${name}:\n${children.tail(name, 15)}`);
    throw error;
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:saga failed:', error);
  process.exitCode = 1;
});
