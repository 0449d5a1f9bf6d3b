// npm run bench:gateway — a route through the gateway against the same route straight to its
// service and a bare node:http JSON server, same client and concurrency (DESIGN.md section 9).
// Environment: BENCH_CONNECTIONS (64), BENCH_WARMUP_SECONDS (2), BENCH_SECONDS (5),
// BENCH_TARGETS (bare,direct,gateway), BENCH_CPU_PROF_DIR (unset: no profile), BENCH_LOG_DIR
// (a temporary folder), BENCH_TOKEN_POOL and BENCH_TOKEN_MAX_AGE_MS (client.ts), TEST_POSTGRES_URL, TEST_AMQP_URL.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { CONTEXTS } from '@shop/contracts';
import { withDatabase } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, dropDatabase, freePort } from '@shop/testing';
import type { ClientMessage, LoadJob, LoadResult } from './load-job.js';
import { Children } from './processes.js';
import { ROUTES, type BenchSession } from './routes.js';
import { intFromEnv } from '../env.js';
import { newPlatformSecrets, serviceEnvironment } from '../platform.js';

const KINDS = ['bare', 'direct', 'gateway'] as const;
type Kind = (typeof KINDS)[number];

const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 64);
const WARM_UP_SECONDS = intFromEnv('BENCH_WARMUP_SECONDS', 2);
const SECONDS = intFromEnv('BENCH_SECONDS', 5);
const SELECTED = new Set((process.env['BENCH_TARGETS'] ?? KINDS.join(',')).split(',').map((kind) => kind.trim()));
for (const kind of SELECTED) if (!KINDS.includes(kind as Kind)) throw new Error(`BENCH_TARGETS: '${kind}' is not one of ${KINDS.join(', ')}`);
const PROFILE_DIR = process.env['BENCH_CPU_PROF_DIR'] || undefined;

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const API = '/api/v1';

interface Target {
  readonly kind: Kind;
  readonly route?: string;
  readonly job: LoadJob;
  /** The processes that serve it, whose CPU time per request is printed. */
  readonly servers: readonly string[];
}

const label = (target: Target): string => (target.route ? `${target.kind} ${target.route}` : target.kind);

/**
 * Runs jobs on the load client, one at a time so that nothing else loads the servers meanwhile;
 * `onMeasuring` is called when the measured run starts (the warm-up over).
 */
function loadClient(child: ChildProcess): (job: LoadJob, onMeasuring: () => void) => Promise<LoadResult> {
  return (job, onMeasuring) =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load client exited (${code}) during ${job.name}`));
      const onMessage = (message: ClientMessage) => {
        if ('measuring' in message) return onMeasuring();
        child.off('exit', onExit);
        child.off('message', onMessage);
        if ('error' in message) reject(new Error(`load client, ${job.name}: ${message.error}`));
        else resolve(message.result);
      };
      child.once('exit', onExit);
      child.on('message', onMessage);
      child.send(job);
    });
}

async function signIn(gatewayOrigin: string, run: string): Promise<BenchSession> {
  const call = async <T>(method: string, path: string, body?: unknown, token?: string): Promise<T> => {
    const response = await fetch(`${gatewayOrigin}${API}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${API}${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  const credentials = { email: `bench-${run}@example.com`, password: `Bench-${randomBytes(12).toString('hex')}` };
  await call('POST', '/auth/register', { ...credentials, nickname: `bench ${run}` });
  const { accessToken } = await call<{ accessToken: string }>('POST', '/auth/login', credentials);
  const me = await call<{ userId: string; roles: string[] }>('GET', '/me', undefined, accessToken);
  return { userId: me.userId, roles: me.roles, accessToken, gateway: (method, path, body) => call(method, path, body, accessToken) };
}

const fmt = (value: number): string => (value >= 100 ? Math.round(value).toString() : value.toFixed(2));

function print(target: Target, result: LoadResult, cpuPerRequest: ReadonlyMap<string, number>): void {
  const statuses = Object.entries(result.statusCodes)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  const tokens = result.tokens ? `, ${result.tokens.signed} tokens signed in the client, ${result.tokens.misses} pool misses` : '';
  console.log(
    `${label(target).padEnd(12)} ${target.job.method} ${target.job.path.padEnd(16)} ${fmt(result.rps).padStart(7)} req/s  p50=${result.p50Ms} ms  p99=${result.p99Ms} ms` +
      `  (${result.requests} requests: ${statuses || 'none'}; ${result.errors} errors${tokens})`,
  );
  if (cpuPerRequest.size > 0)
    console.log(`${''.padEnd(12)} server CPU per request: ${[...cpuPerRequest].map(([server, ms]) => `${server} ${ms.toFixed(2)} ms`).join(', ')}`);
}

async function main(): Promise<void> {
  const run = randomBytes(4).toString('hex');
  const logDir = process.env['BENCH_LOG_DIR'] || mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  mkdirSync(logDir, { recursive: true });
  const children = new Children(logDir);
  const databases: string[] = [];
  const stop = async (): Promise<void> => {
    await children.stopAll();
    for (const database of databases)
      await dropDatabase(database, TEST_POSTGRES_URL).catch((error: unknown) => console.error(`could not drop ${database}:`, error));
  };
  // Ctrl-C or a kill: stop the servers and drop the databases before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));

  try {
    const secrets = newPlatformSecrets();
    const { jwtSecret, internalSecret } = secrets;
    const profile = (name: string): string[] => {
      if (!PROFILE_DIR) return [];
      mkdirSync(join(PROFILE_DIR, name), { recursive: true });
      return ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, name)}`];
    };

    const barePort = await freePort();
    children.spawn('bare', fileURLToPath(new URL('./bare-server.js', import.meta.url)), { ...process.env, PORT: String(barePort), HOST: '127.0.0.1' });
    const bareOrigin = `http://127.0.0.1:${barePort}`;

    // Every context on its own scratch database, never another's data: the gateway is ready only once
    // every context it fronts answers, whichever of them serve the measured routes.
    const serviceOrigins = new Map<string, string>();
    for (const service of new Set([...ROUTES.map((route) => route.service), ...CONTEXTS.map(({ name }) => name)])) {
      const port = await freePort();
      const database = `shop_bench_gw_${run}_${service}`;
      databases.push(database);
      children.spawn(
        service,
        join(ROOT, 'apps', service, 'dist', 'main.js'),
        serviceEnvironment(service, {
          port,
          amqpUrl: TEST_AMQP_URL,
          postgresUrl: TEST_POSTGRES_URL,
          databaseUrl: withDatabase(TEST_POSTGRES_URL, database),
          secrets,
          extra: Object.fromEntries(ROUTES.filter((route) => route.service === service).flatMap((route) => Object.entries(route.serviceEnv ?? {}))),
        }),
        profile(service),
      );
      serviceOrigins.set(service, `http://127.0.0.1:${port}`);
    }
    const gatewayPort = await freePort();
    const gatewayOrigin = `http://127.0.0.1:${gatewayPort}`;
    children.spawn(
      'gateway',
      join(ROOT, 'apps', 'gateway', 'dist', 'main.js'),
      {
        ...process.env,
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        JWT_SECRET: jwtSecret,
        INTERNAL_AUTH_SECRET: internalSecret,
        RATE_LIMIT_PER_MINUTE: '0',
        ...Object.fromEntries(
          CONTEXTS.filter(({ name }) => serviceOrigins.has(name)).map(({ name }) => [`${name.toUpperCase()}_SERVICE_URL`, serviceOrigins.get(name)]),
        ),
      },
      profile('gateway'),
    );
    await children.waitReady('bare', bareOrigin);
    for (const [service, origin] of serviceOrigins) await children.waitReady(service, `${origin}/health/ready`);
    await children.waitReady('gateway', `${gatewayOrigin}${API}/health/ready`);

    const session = await signIn(gatewayOrigin, run);
    const common = { method: 'GET', connections: CONNECTIONS, warmUpSeconds: WARM_UP_SECONDS, seconds: SECONDS } as const;
    const targets: Target[] = [{ kind: 'bare', servers: ['bare'], job: { ...common, name: 'bare', origin: bareOrigin, path: '/', auth: { kind: 'none' } } }];
    for (const route of ROUTES) {
      const path = await route.path(session);
      const identity = { userId: session.userId, roles: session.roles };
      targets.push(
        {
          kind: 'direct',
          route: route.name,
          servers: [route.service],
          job: {
            ...common,
            name: `direct ${route.name}`,
            origin: serviceOrigins.get(route.service)!,
            path,
            auth: { kind: 'internal', secret: internalSecret, audience: route.service, identity },
          },
        },
        {
          kind: 'gateway',
          route: route.name,
          servers: ['gateway', route.service],
          job: { ...common, name: `gateway ${route.name}`, origin: gatewayOrigin, path: `${API}${path}`, auth: { kind: 'bearer', token: session.accessToken } },
        },
      );
    }

    console.log(
      `gateway bench: ${CONNECTIONS} keep-alive connections, ${WARM_UP_SECONDS} s warm-up + ${SECONDS} s measured per target; servers' logs in ${logDir}` +
        (PROFILE_DIR ? `; CPU profiles of the services and the gateway in ${PROFILE_DIR}` : ''),
    );
    const measure = loadClient(children.fork('client', fileURLToPath(new URL('./client.js', import.meta.url)), process.env));
    const results = new Map<string, LoadResult>();
    const cpuPerRequest = new Map<string, ReadonlyMap<string, number>>();
    const failures: string[] = [];
    for (const target of targets.filter(({ kind }) => SELECTED.has(kind))) {
      let before: Array<number | undefined> = [];
      const result = await measure(target.job, () => (before = target.servers.map((server) => children.cpuMs(server))));
      const cpu = new Map<string, number>();
      target.servers.forEach((server, index) => {
        const [from, to] = [before[index], children.cpuMs(server)];
        if (from !== undefined && to !== undefined && result.requests > 0) cpu.set(server, (to - from) / result.requests);
      });
      results.set(label(target), result);
      cpuPerRequest.set(label(target), cpu);
      print(target, result, cpu);
      if (result.non2xx > 0 || result.errors > 0) failures.push(`${label(target)}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      if (result.tokens && result.tokens.misses > 0)
        failures.push(`${label(target)}: ${result.tokens.misses} requests found the token pool empty (raise BENCH_TOKEN_POOL)`);
    }
    if (PROFILE_DIR) {
      // The measured runs on the profiles' clock: `profile-summary.mjs --window <fromUs>:<toUs>` keeps only that load.
      const windows = Object.fromEntries([...results].map(([name, { fromUs, toUs }]) => [name, { fromUs, toUs }]));
      writeFileSync(join(PROFILE_DIR, 'windows.json'), `${JSON.stringify(windows, null, 2)}\n`);
    }
    if (failures.length > 0) throw new Error(`the figures would not mean anything:\n  ${failures.join('\n  ')}`);

    const rps = (name: string): number | undefined => results.get(name)?.rps;
    const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(2));
    const figure = (value: number | undefined): string => (value === undefined ? 'n/a' : Math.round(value).toString());
    const cpu = (target: string, server: string): string => cpuPerRequest.get(target)?.get(server)?.toFixed(3) ?? 'n/a';
    const p99 = (name: string): string => String(results.get(name)?.p99Ms ?? 'n/a');
    const bare = rps('bare');
    // The headline route first, in the order DESIGN.md section 9 gives; then latencies and any further route.
    const [headline, ...others] = ROUTES.map((route) => ({
      name: route.name,
      service: route.service,
      direct: rps(`direct ${route.name}`),
      gateway: rps(`gateway ${route.name}`),
    }));
    const parts = [
      `ratio=${ratio(headline!.gateway, headline!.direct)}`,
      `direct_vs_bare=${ratio(headline!.direct, bare)}`,
      `gateway_rps=${figure(headline!.gateway)}`,
      `direct_rps=${figure(headline!.direct)}`,
      `bare_rps=${figure(bare)}`,
      `gateway_p99_ms=${p99(`gateway ${headline!.name}`)}`,
      `direct_p99_ms=${p99(`direct ${headline!.name}`)}`,
      `bare_p99_ms=${p99('bare')}`,
      `gateway_cpu_ms_per_req=${cpu(`gateway ${headline!.name}`, 'gateway')}`,
      `direct_cpu_ms_per_req=${cpu(`direct ${headline!.name}`, ROUTES[0]!.service)}`,
      `bare_cpu_ms_per_req=${cpu('bare', 'bare')}`,
      ...others.flatMap(({ name, service, direct, gateway }) => [
        `${name}_ratio=${ratio(gateway, direct)}`,
        `${name}_direct_vs_bare=${ratio(direct, bare)}`,
        `${name}_gateway_rps=${figure(gateway)}`,
        `${name}_direct_rps=${figure(direct)}`,
        `${name}_gateway_p99_ms=${p99(`gateway ${name}`)}`,
        `${name}_direct_p99_ms=${p99(`direct ${name}`)}`,
        `${name}_gateway_cpu_ms_per_req=${cpu(`gateway ${name}`, 'gateway')}`,
        `${name}_direct_cpu_ms_per_req=${cpu(`direct ${name}`, service)}`,
      ]),
    ];
    console.log(`gateway: ${parts.join(' ')}`);
  } catch (error) {
    for (const name of ['gateway', ...new Set(ROUTES.map((route) => route.service))]) {
      try {
        console.error(`--- last lines of ${name}:\n${children.tail(name, 15)}`);
      } catch {
        // Not started.
      }
    }
    throw error;
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:gateway failed:', error);
  process.exitCode = 1;
});
