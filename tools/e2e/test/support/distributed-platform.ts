import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { withDatabase } from '@shop/persistence';
import { TEST_POSTGRES_URL, createVirtualHost, dropDatabase, freePort, waitFor, type VirtualHost } from '@shop/testing';

/** The apps of the distributed mode, in the order they start: the gateway last, once every context answers. */
export const APPS = ['user', 'order', 'coupon', 'points', 'payment', 'gateway'] as const;
export type App = (typeof APPS)[number];
const CONTEXT_APPS = APPS.filter((app): app is Exclude<App, 'gateway'> => app !== 'gateway');

export interface DistributedPlatformOptions {
  /** Names this run's databases (`shop_<context>_<prefix>_<run>`) and RabbitMQ virtual host. */
  readonly prefix: string;
  readonly admin: { readonly email: string; readonly password: string };
  /** Variables every app gets besides its own (e.g. `OTEL_*`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Variables of one app (e.g. the payment sandbox's). */
  readonly appEnv?: Readonly<Partial<Record<App, Record<string, string>>>>;
}

export interface DistributedPlatform {
  /** The API's base URL: `http://127.0.0.1:<port>/api/v1`. */
  readonly apiUrl: string;
  /** Each context service's own URL (not through the gateway). */
  readonly serviceUrls: Readonly<Record<Exclude<App, 'gateway'>, string>>;
  /** The RabbitMQ URL of this run's virtual host. */
  readonly amqpUrl: string;
  /** Each context's PostgreSQL database URL. */
  readonly databaseUrls: Readonly<Record<Exclude<App, 'gateway'>, string>>;
  /** Every line the apps wrote, prefixed with the app: a failing assertion's context. */
  readonly output: readonly string[];
  /** SIGTERM to every app still running, gateway first, then the databases and the virtual host go: each app's exit code. */
  stop(): Promise<Partial<Record<App, number | null>>>;
}

const root = new URL('../../../../', import.meta.url);
const healthy = (url: string) => waitFor(async () => (await fetch(url).catch(() => undefined))?.ok, { what: url, timeoutMs: 60_000 });

/**
 * The distributed mode as `npm run start:services` runs it: each app its own process from its built
 * `main.js` (plain node, so the workspace packages resolve to their build) on PostgreSQL and RabbitMQ,
 * every context on a database of this run's own and all on a RabbitMQ virtual host of this run's own
 * (the services keep their real queue names), removed by `stop`. Resolves once the gateway answers
 * its health check (it is ready only when every context it fronts is).
 */
export async function startDistributedPlatform(options: DistributedPlatformOptions): Promise<DistributedPlatform> {
  const run = randomBytes(4).toString('hex');
  const output: string[] = [];
  const processes = new Map<App, ChildProcess>();
  const databases = Object.fromEntries(CONTEXT_APPS.map((app) => [app, `shop_${app}_${options.prefix}_${run}`])) as Record<Exclude<App, 'gateway'>, string>;
  const databaseUrls = Object.fromEntries(CONTEXT_APPS.map((app) => [app, withDatabase(TEST_POSTGRES_URL, databases[app])])) as Record<
    Exclude<App, 'gateway'>,
    string
  >;
  let vhost: VirtualHost | undefined;

  const startApp = (app: App, env: Record<string, string>) => {
    const child = spawn(process.execPath, [new URL(`apps/${app}/dist/main.js`, root).pathname], {
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...options.env, ...env, ...options.appEnv?.[app] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(`[${app}] ${chunk.toString()}`));
    child.stderr?.on('data', (chunk: Buffer) => output.push(`[${app}] ${chunk.toString()}`));
    processes.set(app, child);
  };

  let stopped: Promise<Partial<Record<App, number | null>>> | undefined;
  const stopAll = async (): Promise<Partial<Record<App, number | null>>> => {
    const exitCodes: Partial<Record<App, number | null>> = {};
    for (const app of [...APPS].reverse()) {
      const child = processes.get(app);
      if (!child) continue;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      exitCodes[app] = child.exitCode;
    }
    processes.clear();
    await vhost?.remove();
    for (const database of Object.values(databases)) await dropDatabase(database);
    return exitCodes;
  };
  // Once: a test may stop the platform to see it exit, and afterAll stops it whatever happened.
  const stop = () => (stopped ??= stopAll());

  try {
    vhost = await createVirtualHost(`shop_${options.prefix}_${run}`);
    const ports = Object.fromEntries(await Promise.all(APPS.map(async (app) => [app, await freePort()] as const))) as Record<App, number>;
    const secrets = { JWT_SECRET: randomBytes(48).toString('base64url'), INTERNAL_AUTH_SECRET: randomBytes(48).toString('base64url') };
    const serviceUrls = Object.fromEntries(CONTEXT_APPS.map((app) => [app, `http://127.0.0.1:${ports[app]}`])) as Record<Exclude<App, 'gateway'>, string>;
    for (const app of CONTEXT_APPS) {
      startApp(app, {
        ...secrets,
        PORT: String(ports[app]),
        HOST: '127.0.0.1',
        AMQP_URL: vhost.url,
        POSTGRES_URL: TEST_POSTGRES_URL,
        [`${app.toUpperCase()}_DATABASE_URL`]: databaseUrls[app],
        ...(app === 'user' ? { SHOP_ADMIN_EMAIL: options.admin.email, SHOP_ADMIN_PASSWORD: options.admin.password } : {}),
      });
    }
    for (const app of CONTEXT_APPS) await healthy(`${serviceUrls[app]}/health`);
    startApp('gateway', {
      ...secrets,
      PORT: String(ports.gateway),
      HOST: '127.0.0.1',
      ...Object.fromEntries(CONTEXT_APPS.map((app) => [`${app.toUpperCase()}_SERVICE_URL`, serviceUrls[app]])),
      RATE_LIMIT_PER_MINUTE: '0',
    });
    const apiUrl = `http://127.0.0.1:${ports.gateway}/api/v1`;
    await healthy(`${apiUrl}/health`);
    return { apiUrl, serviceUrls, amqpUrl: vhost.url, databaseUrls, output, stop };
  } catch (error) {
    await stop();
    throw new Error(`the distributed platform did not start: ${error instanceof Error ? error.message : String(error)}\n${output.join('')}`);
  }
}
