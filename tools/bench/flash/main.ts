// npm run bench:flash — a flash sale through the gateway against the same claims as raw SQL on
// PostgreSQL, same number of users and concurrency (DESIGN.md section 9): BENCH_USERS distinct
// signed-in users each claim once from a template of BENCH_STOCK coupons.
// Environment: BENCH_USERS (20000), BENCH_STOCK (5000), BENCH_CONNECTIONS (64), BENCH_WARMUP_CLAIMS
// (2000), BENCH_RAW_POOL_SIZE (BENCH_CONNECTIONS), BENCH_LOG_DIR (a temporary folder),
// TEST_POSTGRES_URL, TEST_AMQP_URL.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CONTEXT_NAMES } from '@shop/contracts';
import { withDatabase } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, dropDatabase, freePort } from '@shop/testing';
import { Children } from '../gateway/processes.js';
import { intFromEnv } from '../env.js';
import { newPlatformSecrets, serviceEnvironment } from '../platform.js';
import { summarize, unexpectedOutcomes, type ClaimRun, type ClaimSummary } from './claims.js';
import { loadClient } from '../load-client.js';
import type { ClaimJob } from './claim-job.js';
import { BackendCpu, type CpuSnapshot } from './postgres-cpu.js';
import { RawClaims } from './raw-baseline.js';
import { insertCustomers, signAccessToken } from './users.js';

const USERS = intFromEnv('BENCH_USERS', 20_000);
const STOCK = intFromEnv('BENCH_STOCK', 5_000);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 64);
const WARM_UP_CLAIMS = Math.min(intFromEnv('BENCH_WARMUP_CLAIMS', 2_000), USERS);
// A quarter of the warm-up gets a coupon: both answers, issued and sold out, are warm before the measured run.
const WARM_UP_STOCK = Math.max(1, Math.floor(WARM_UP_CLAIMS / 4));
const RAW_POOL_SIZE = intFromEnv('BENCH_RAW_POOL_SIZE', CONNECTIONS);
const EXPECTED_ISSUED = Math.min(STOCK, USERS);

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const API = '/api/v1';
// Every context of CONTEXTS: the order, points and payment services take no part in a claim, they run because the
// gateway is ready only once every context it fronts answers.
const SERVICES = CONTEXT_NAMES;
/** The processes whose CPU time per attempt is printed for the gateway run. */
const MEASURED = ['gateway', 'coupon', 'user', 'client'] as const;

/** A JSON call through the gateway; the answer, or an error unless 2xx. */
async function call<T>(
  origin: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<T> {
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
  if (!response.ok) throw new Error(`${method} ${API}${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The coupons of a template and its issued counter, read from the coupon service's database (the source of truth). */
async function couponCounts(databaseUrl: string, templateId: string): Promise<{ coupons: number; owners: number; issued: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ coupons: number; owners: number; issued: number }>(
      `SELECT COUNT(*)::int AS coupons, COUNT(DISTINCT user_id)::int AS owners, (SELECT issued FROM coupon_template WHERE id = $1) AS issued
         FROM coupon WHERE template_id = $1`,
      [templateId],
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

const fmt = (value: number | undefined): string =>
  value === undefined ? 'n/a' : value >= 100 ? Math.round(value).toString() : value.toFixed(value >= 10 ? 1 : 2);
const perAttempt = (ms: number | undefined, attempts: number): number | undefined => (ms === undefined || attempts === 0 ? undefined : ms / attempts);

function printRun(label: string, summary: ClaimSummary, cpu: ReadonlyArray<readonly [string, number | undefined]>): void {
  const counts = Object.entries(summary.counts)
    .map(([outcome, count]) => `${outcome}×${count}`)
    .join(' ');
  console.log(
    `${label.padEnd(9)} ${summary.attempts} attempts in ${(summary.elapsedMs / 1000).toFixed(2)} s: ${fmt(summary.claimsPerSecond)} claims/s` +
      `  p50=${fmt(summary.p50Ms)} ms  p99=${fmt(summary.p99Ms)} ms  issued p99=${fmt(summary.issuedP99Ms)} ms` +
      `  sold-out p50=${fmt(summary.soldOutP50Ms)} ms p99=${fmt(summary.soldOutP99Ms)} ms  (${counts})`,
  );
  if (summary.lastIssuedAtMs !== undefined && summary.lastIssuedAtMs < summary.elapsedMs) {
    const [before, after] = [summary.lastIssuedAtMs / 1000, (summary.elapsedMs - summary.lastIssuedAtMs) / 1000];
    const answeredBefore = summary.attempts - summary.answeredAfterLastIssued;
    console.log(
      `${''.padEnd(9)} the last coupon after ${before.toFixed(2)} s (${answeredBefore} attempts answered: ${fmt(answeredBefore / before)}/s),` +
        ` then ${summary.answeredAfterLastIssued} sold-out answers in ${after.toFixed(2)} s (${fmt(summary.answeredAfterLastIssued / after)}/s)`,
    );
  }
  console.log(`${''.padEnd(9)} CPU per attempt: ${cpu.map(([name, ms]) => `${name} ${ms === undefined ? 'n/a' : `${ms.toFixed(3)} ms`}`).join(', ')}`);
}

async function main(): Promise<void> {
  if (!(CONTEXT_NAMES as readonly string[]).includes('coupon'))
    throw new Error('the coupon context is not in CONTEXTS (libs/contracts/src/contexts.ts): the gateway would not serve its routes');
  const run = randomBytes(4).toString('hex');
  const logDir = process.env['BENCH_LOG_DIR'] || mkdtempSync(join(tmpdir(), 'bench-flash-'));
  mkdirSync(logDir, { recursive: true });
  const children = new Children(logDir);
  const databases: Record<string, string> = {
    raw: `shop_bench_flash_${run}_raw`,
    ...Object.fromEntries(SERVICES.map((service) => [service, `shop_bench_flash_${run}_${service}`])),
  };
  const closers: Array<() => Promise<unknown>> = [];
  const stop = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await children.stopAll();
    for (const database of Object.values(databases))
      await dropDatabase(database, TEST_POSTGRES_URL).catch((error: unknown) => console.error(`could not drop ${database}:`, error));
  };
  // Ctrl-C or a kill: stop the servers and drop the databases before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));

  try {
    console.log(
      `flash bench: ${USERS} users claim once each from a ${STOCK}-coupon template, ${CONNECTIONS} at once; warm-up: ${WARM_UP_CLAIMS} claims ` +
        `on a ${WARM_UP_STOCK}-coupon template of its own; servers' logs in ${logDir}`,
    );

    // The baseline first, alone on the server: its own database and tables, one transaction per attempt.
    const raw = await RawClaims.open(withDatabase(TEST_POSTGRES_URL, databases['raw']!), RAW_POOL_SIZE);
    closers.push(() => raw.close());
    const rawUsers = Array.from({ length: USERS }, () => randomUUID());
    await raw.claimAll(await raw.createTemplate(WARM_UP_STOCK), rawUsers.slice(0, WARM_UP_CLAIMS), CONNECTIONS);
    const rawTemplate = await raw.createTemplate(STOCK);
    const rawBackends = await BackendCpu.open(TEST_POSTGRES_URL, [databases['raw']!]);
    closers.push(() => rawBackends.close());
    const rawPgBefore = await rawBackends.snapshot();
    const selfBefore = process.cpuUsage();
    const rawSummary = summarize(await raw.claimAll(rawTemplate, rawUsers, CONNECTIONS));
    const self = process.cpuUsage(selfBefore);
    const rawPgUsed = BackendCpu.used(rawPgBefore, await rawBackends.snapshot());
    const rawCounts = await raw.counts(rawTemplate);
    await closers.pop()!();
    await closers.pop()!();
    printRun('raw SQL', rawSummary, [
      ['bench (pg client)', perAttempt((self.user + self.system) / 1000, rawSummary.attempts)],
      ['PostgreSQL backends', perAttempt(rawPgUsed, rawSummary.attempts)],
    ]);
    const rawUnexpected = unexpectedOutcomes(rawSummary, STOCK);
    if (rawUnexpected.length > 0) throw new Error(`the raw baseline's figures would not mean anything: ${rawUnexpected.join(', ')}`);

    // The platform: every context's service and the gateway, each its own process on its own scratch database.
    const secrets = newPlatformSecrets();
    const { jwtSecret, internalSecret } = secrets;
    const admin = { email: `flash-admin-${run}@example.com`, password: `Flash-${randomBytes(12).toString('hex')}` };
    const serviceOrigins = new Map<string, string>();
    for (const service of SERVICES) {
      const port = await freePort();
      children.spawn(
        service,
        join(ROOT, 'apps', service, 'dist', 'main.js'),
        serviceEnvironment(service, {
          port,
          amqpUrl: TEST_AMQP_URL,
          postgresUrl: TEST_POSTGRES_URL,
          databaseUrl: withDatabase(TEST_POSTGRES_URL, databases[service]!),
          secrets,
          extra: service === 'user' ? { SHOP_ADMIN_EMAIL: admin.email, SHOP_ADMIN_PASSWORD: admin.password } : {},
        }),
      );
      serviceOrigins.set(service, `http://127.0.0.1:${port}`);
    }
    const gatewayPort = await freePort();
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    children.spawn('gateway', join(ROOT, 'apps', 'gateway', 'dist', 'main.js'), {
      ...process.env,
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      JWT_SECRET: jwtSecret,
      INTERNAL_AUTH_SECRET: internalSecret,
      RATE_LIMIT_PER_MINUTE: '0',
      ...Object.fromEntries([...serviceOrigins].map(([service, origin]) => [`${service.toUpperCase()}_SERVICE_URL`, origin])),
    });
    for (const [service, origin] of serviceOrigins) await children.waitReady(service, `${origin}/health/ready`);
    await children.waitReady('gateway', `${gateway}${API}/health/ready`);

    // The users: written to the user database, their tokens signed with the services' JWT_SECRET (users.ts says why).
    const setUpStarted = performance.now();
    const userIds = await insertCustomers(withDatabase(TEST_POSTGRES_URL, databases['user']!), USERS, run);
    const tokens = userIds.map((userId) => signAccessToken(jwtSecret, userId, ['customer']));
    console.log(
      `${USERS} customers written to the user database and their access tokens signed in ${((performance.now() - setUpStarted) / 1000).toFixed(1)} s`,
    );
    for (const index of new Set([0, USERS - 1])) {
      const me = await call<{ userId: string }>(gateway, 'GET', '/me', { token: tokens[index]! });
      if (me.userId !== userIds[index]) throw new Error(`GET /me with user ${userIds[index]}'s token answered for ${me.userId}`);
    }

    // The admin (seeded by the user service from SHOP_ADMIN_EMAIL) signs in and creates the templates through the gateway.
    const { accessToken: adminToken } = await call<{ accessToken: string }>(gateway, 'POST', '/auth/login', { body: admin });
    const createTemplate = async (name: string, totalStock: number): Promise<string> => {
      const template = await call<{ templateId: string; remainingStock: number }>(gateway, 'POST', '/admin/coupon-templates', {
        token: adminToken,
        headers: { 'idempotency-key': randomUUID() },
        body: { name, discount: { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 }, totalStock, perUserLimit: 1, validity: { validDays: 30 } },
      });
      if (template.remainingStock !== totalStock) throw new Error(`a new template of ${totalStock} answered remainingStock ${template.remainingStock}`);
      return template.templateId;
    };
    const claimPath = (templateId: string) => `${API}/coupon-templates/${templateId}/claim`;

    const claim = loadClient<ClaimJob, ClaimRun>(children.fork('client', fileURLToPath(new URL('./claim-client.js', import.meta.url)), process.env));
    const warmUpTemplate = await createTemplate('Flash sale warm-up (bench)', WARM_UP_STOCK);
    const warmUp = summarize(
      await claim({ name: 'warm-up', origin: gateway, path: claimPath(warmUpTemplate), tokens: tokens.slice(0, WARM_UP_CLAIMS), connections: CONNECTIONS }),
    );
    const warmUpUnexpected = unexpectedOutcomes(warmUp, WARM_UP_STOCK);
    if (warmUpUnexpected.length > 0) throw new Error(`the warm-up through the gateway went wrong: ${warmUpUnexpected.join(', ')}`);

    const templateId = await createTemplate('Flash sale (bench)', STOCK);
    const backends = await BackendCpu.open(TEST_POSTGRES_URL, [databases['coupon']!, databases['user']!]);
    closers.push(() => backends.close());
    let cpuBefore: Array<number | undefined> = [];
    let pgBefore: CpuSnapshot = new Map();
    const gatewayRun = await claim({ name: 'claims', origin: gateway, path: claimPath(templateId), tokens, connections: CONNECTIONS }, async () => {
      pgBefore = await backends.snapshot();
      cpuBefore = MEASURED.map((name) => children.cpuMs(name));
    });
    const cpuAfter = MEASURED.map((name) => children.cpuMs(name));
    const pgUsed = BackendCpu.used(pgBefore, await backends.snapshot());
    const summary = summarize(gatewayRun);
    const cpuOf = (index: number) => (cpuBefore[index] === undefined || cpuAfter[index] === undefined ? undefined : cpuAfter[index]! - cpuBefore[index]!);
    const cpu = MEASURED.map((name, index) => [name === 'client' ? 'load client' : name, perAttempt(cpuOf(index), summary.attempts)] as const);
    printRun('gateway', summary, [...cpu, ['PostgreSQL backends', perAttempt(pgUsed, summary.attempts)]]);
    const unexpected = unexpectedOutcomes(summary, STOCK);
    if (unexpected.length > 0) throw new Error(`the claims through the gateway went wrong: ${unexpected.join(', ')}`);

    // The count check: the coupon database, the admin's listing, the raw tables.
    const counts = await couponCounts(withDatabase(TEST_POSTGRES_URL, databases['coupon']!), templateId);
    const listed = (
      await call<Array<{ templateId: string; issued: number; remainingStock: number }>>(gateway, 'GET', '/admin/coupon-templates', { token: adminToken })
    ).find((template) => template.templateId === templateId);
    const countProblems = [
      counts.coupons !== EXPECTED_ISSUED && `${counts.coupons} coupons of the template in the coupon database`,
      counts.owners !== EXPECTED_ISSUED && `${counts.owners} distinct owners`,
      counts.issued !== EXPECTED_ISSUED && `the template's issued counter at ${counts.issued}`,
      listed?.issued !== EXPECTED_ISSUED && `the admin listing's issued ${listed?.issued}`,
      listed?.remainingStock !== STOCK - EXPECTED_ISSUED && `the admin listing's remainingStock ${listed?.remainingStock}`,
      (rawCounts.claims !== EXPECTED_ISSUED || rawCounts.owners !== EXPECTED_ISSUED || rawCounts.issued !== EXPECTED_ISSUED) &&
        `raw tables: ${rawCounts.claims} claims, ${rawCounts.owners} owners, issued ${rawCounts.issued}`,
    ].filter((problem): problem is string => typeof problem === 'string');
    console.log(
      `count check (expected ${EXPECTED_ISSUED}): coupon database ${counts.coupons} coupons, ${counts.owners} owners, issued counter ${counts.issued}; ` +
        `admin listing issued ${listed?.issued} remainingStock ${listed?.remainingStock}; raw tables ${rawCounts.claims} claims → ${countProblems.length === 0 ? 'ok' : 'FAILED'}`,
    );

    const cpuFigure = (name: (typeof MEASURED)[number]) => perAttempt(cpuOf(MEASURED.indexOf(name)), summary.attempts)?.toFixed(3) ?? 'n/a';
    const parts = [
      `ratio=${(summary.claimsPerSecond / rawSummary.claimsPerSecond).toFixed(2)}`,
      `gateway_claims_per_s=${Math.round(summary.claimsPerSecond)}`,
      `raw_claims_per_s=${Math.round(rawSummary.claimsPerSecond)}`,
      `gateway_p50_ms=${fmt(summary.p50Ms)}`,
      `gateway_p99_ms=${fmt(summary.p99Ms)}`,
      `gateway_sold_out_p99_ms=${fmt(summary.soldOutP99Ms)}`,
      `raw_p50_ms=${fmt(rawSummary.p50Ms)}`,
      `raw_p99_ms=${fmt(rawSummary.p99Ms)}`,
      `raw_sold_out_p99_ms=${fmt(rawSummary.soldOutP99Ms)}`,
      `issued=${counts.coupons}`,
      `count_check=${countProblems.length === 0 ? 'ok' : 'FAILED'}`,
      `gateway_cpu_ms_per_claim=${cpuFigure('gateway')}`,
      `coupon_cpu_ms_per_claim=${cpuFigure('coupon')}`,
      `postgres_cpu_ms_per_claim=${perAttempt(pgUsed, summary.attempts)?.toFixed(3) ?? 'n/a'}`,
      `raw_postgres_cpu_ms_per_claim=${perAttempt(rawPgUsed, rawSummary.attempts)?.toFixed(3) ?? 'n/a'}`,
    ];
    console.log(`flash: ${parts.join(' ')}`);
    if (countProblems.length > 0) {
      console.error(`count check failed:\n  ${countProblems.join('\n  ')}`);
      process.exitCode = 1;
    }
  } catch (error) {
    for (const name of ['gateway', ...SERVICES, 'client']) console.error(`--- last lines of ${name}:\n${children.tail(name, 15)}`);
    throw error;
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:flash failed:', error);
  process.exitCode = 1;
});
