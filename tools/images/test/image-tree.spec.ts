import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '@shop/persistence';
import { TEST_POSTGRES_URL, createVirtualHost, dropDatabase, freePort, waitFor, type VirtualHost } from '@shop/testing';

/**
 * The file trees of the gateway's and the order service's images, made as docker/Dockerfile makes them
 * (`node tools/images/assemble.mjs <app> <dir>`: a lock file Nx prunes to the app, `npm ci --omit=dev`
 * from it, the app's and its libraries' builds) in folders of their own, away from the workspace's
 * node_modules; then started from there, the order service on PostgreSQL and RabbitMQ and on SQLite,
 * each with a preload that records every package it loads.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const recordLoads = fileURLToPath(new URL('./support/record-loads.mjs', import.meta.url));
const run = randomBytes(4).toString('hex');

/** Packages only the workspace's development needs: none may be in an image. */
const DEVELOPMENT_ONLY = [
  'typescript',
  'nx',
  '@nx/js',
  '@nx/devkit',
  'vitest',
  '@swc/core',
  'eslint',
  'prettier',
  'playwright-core',
  'fast-check',
  'openapi-typescript',
  '@types/better-sqlite3',
];
/** What the gateway alone loads (rate limits in Redis, calls to the services, breakers), and the user service alone (password hashes, tokens). */
const GATEWAY_ONLY = ['ioredis', 'rate-limiter-flexible', 'undici', 'cockatiel'];
const USER_ONLY = ['@node-rs/argon2', 'jose'];
const APPS = ['gateway', 'user', 'order', 'coupon', 'points', 'payment'];

interface Manifest {
  readonly name: string;
  readonly dependencies: Record<string, string>;
}
interface LockEntry {
  readonly version?: string;
  readonly dev?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
interface Lock {
  readonly packages: Record<string, LockEntry>;
}
interface ImageTree {
  readonly app: string;
  readonly dir: string;
  readonly manifest: Manifest;
  readonly lock: Lock;
  readonly packageNames: ReadonlySet<string>;
}
interface Load {
  readonly specifier: string;
  readonly parent?: string;
  readonly resolved: string;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const packageNameOf = (specifier: string): string => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');
const packageNameAt = (lockPath: string): string => lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
const withoutNpmVariables = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));

function exec(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? withoutNpmVariables(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const folders: string[] = [];
function freshFolder(name: string): string {
  const folder = mkdtempSync(join(tmpdir(), `shop-image-${name}-`));
  folders.push(folder);
  return folder;
}

async function assemble(app: string): Promise<ImageTree> {
  const dir = join(freshFolder(app), 'app');
  const { code, output } = await exec(process.execPath, [join(root, 'tools/images/assemble.mjs'), app, dir], { cwd: root });
  expect(code, `assemble.mjs ${app}:\n${output}`).toBe(0);
  const lock = readJson<Lock>(join(dir, 'package-lock.json'));
  return {
    app,
    dir,
    manifest: readJson<Manifest>(join(dir, 'package.json')),
    lock,
    packageNames: new Set(Object.keys(lock.packages).filter(Boolean).map(packageNameAt)),
  };
}

/** The lock file's entries that npm reaches from its root: dependencies, optional ones and required peers, found as node finds them (nearest node_modules up). */
function reachableEntries(lock: Lock): { reached: Set<string>; unresolved: string[] } {
  const locate = (from: string, name: string): string | undefined => {
    for (let base = from; ;) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!base) return undefined;
      const parent = base.lastIndexOf('/node_modules/');
      base = parent < 0 ? '' : base.slice(0, parent);
    }
  };
  const reached = new Set<string>();
  const unresolved: string[] = [];
  const visit = (path: string): void => {
    if (reached.has(path)) return;
    reached.add(path);
    const entry = lock.packages[path]!;
    const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta ?? {}).flatMap(([name, meta]) => (meta.optional ? [name] : [])));
    const required = [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers.has(name))];
    for (const name of [...required, ...Object.keys(entry.optionalDependencies ?? {})]) {
      const target = locate(path, name);
      if (target) visit(target);
      else if (required.includes(name)) unresolved.push(`${path || '(root)'} → ${name}`);
    }
  };
  visit('');
  return { reached, unresolved };
}

/** The files of a folder, relative to it, links included (not followed). */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));

function expectOnlyTheApp(image: ImageTree): void {
  expect(readdirSync(join(image.dir, 'apps'))).toEqual([image.app]);
  expect(readdirSync(join(image.dir, 'apps', image.app)).sort()).toEqual(['dist', 'package.json']);
  expect(existsSync(join(image.dir, 'apps', image.app, 'dist', 'main.js'))).toBe(true);
  const libraries = readdirSync(join(image.dir, 'libs'));
  expect(libraries.length).toBeGreaterThan(0);
  // Test helpers and the client for front-ends are no one's runtime.
  expect(libraries).not.toContain('testing');
  expect(libraries).not.toContain('client');
  for (const library of libraries) {
    expect(readdirSync(join(image.dir, 'libs', library)).sort(), `libs/${library}`).toEqual(['dist', 'package.json']);
    // Linked as npm links a workspace, so that `@shop/<lib>` resolves to it.
    expect(readlinkSync(join(image.dir, 'node_modules', '@shop', library))).toBe(join('..', '..', 'libs', library));
  }
  expect(readdirSync(join(image.dir, 'node_modules', '@shop')).sort()).toEqual([...libraries].sort());
  // Builds only: no sources, specs, test helpers, type declarations or tsc state.
  const built = [...filesUnder(join(image.dir, 'apps')), ...filesUnder(join(image.dir, 'libs'))];
  expect(built.filter((file) => !/\.js(\.map)?$/.test(file) && !file.endsWith('package.json'))).toEqual([]);
  expect(built.filter((file) => file.split(sep).includes('testing') || file.split(sep).includes('test'))).toEqual([]);
  // No other app in any form, and no tool.
  for (const other of APPS.filter((app) => app !== image.app)) expect(image.packageNames).not.toContain(`@shop/${other}`);
  expect(existsSync(join(image.dir, 'tools'))).toBe(false);
}

function expectAPrunedLockFile(image: ImageTree): void {
  const { reached, unresolved } = reachableEntries(image.lock);
  expect(unresolved).toEqual([]);
  // Nothing but what the manifest's dependencies need, each installed for production.
  expect(Object.keys(image.lock.packages).filter((path) => !reached.has(path))).toEqual([]);
  expect(
    Object.entries(image.lock.packages)
      .filter(([, entry]) => entry.dev)
      .map(([path]) => path),
  ).toEqual([]);
  expect(DEVELOPMENT_ONLY.filter((name) => image.packageNames.has(name))).toEqual([]);
  expect(Object.keys(image.lock.packages).filter((path) => path !== '' && !path.startsWith('node_modules/'))).toEqual([]);
  expect(image.lock.packages['']!.dependencies).toEqual(image.manifest.dependencies);
  // npm ci installed that and nothing else.
  const installed = readdirSync(join(image.dir, 'node_modules')).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(image.dir, 'node_modules', name)).map((inner) => `${name}/${inner}`) : name.startsWith('.') ? [] : [name],
  );
  expect(installed.filter((name) => !name.startsWith('@shop/') && !image.lock.packages[`node_modules/${name}`])).toEqual([]);
}

/** Every npm package the image's manifest names is named in a file the image ships (in an import, a require, a resolve). */
function expectEveryDependencyNamedByAShippedFile(image: ImageTree, loadedByName: readonly string[]): void {
  const shipped = [
    ...filesUnder(join(image.dir, 'apps')).map((file) => join('apps', file)),
    ...filesUnder(join(image.dir, 'libs')).map((file) => join('libs', file)),
  ]
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(image.dir, file), 'utf8'))
    .join('\n');
  const named = (name: string): boolean => shipped.includes(`'${name}'`) || shipped.includes(`'${name}/`) || shipped.includes(`"${name}"`);
  expect(Object.keys(image.manifest.dependencies).filter((name) => !named(name) && !loadedByName.includes(name))).toEqual([]);
}

interface AppRun {
  readonly loads: Load[];
  readonly exitCode: number | null;
  readonly output: string;
}

/**
 * Starts `node apps/<app>/dist/main.js` in the image's tree as its CMD does (no workspace around it:
 * the tree is in a temporary folder), with the load recorder preloaded; waits for `healthPath` to
 * answer 200, runs `whileUp`, then stops it with SIGTERM and waits for it to exit.
 */
async function runApp(
  image: ImageTree,
  env: Record<string, string>,
  healthPath: string,
  whileUp: (url: string) => Promise<void> = async () => {},
): Promise<AppRun> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const loadsFile = join(freshFolder(`${image.app}-loads`), 'loads.jsonl');
  const child = spawn(process.execPath, ['--import', recordLoads, `apps/${image.app}/dist/main.js`], {
    cwd: image.dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      SHOP_RECORD_LOADS: loadsFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return (await fetch(`${url}${healthPath}`).catch(() => undefined))?.status === 200;
      },
      { what: `${image.app} answering ${healthPath}`, timeoutMs: 90_000, intervalMs: 200 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output}`);
    });
    await whileUp(url);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  const exitCode = await exited;
  const loads = existsSync(loadsFile)
    ? readFileSync(loadsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Load)
    : [];
  return { loads, exitCode, output };
}

/** Packages the image's own code (apps/, libs/) loaded that its manifest does not name: found only through another package's. */
const undeclaredLoads = (image: ImageTree, loads: readonly Load[]): string[] => {
  const ownCode = [join(image.dir, 'apps') + sep, join(image.dir, 'libs') + sep];
  return [
    ...new Set(
      loads
        .filter(
          (load) =>
            load.parent && ownCode.some((prefix) => load.parent!.startsWith(prefix)) && !load.specifier.startsWith('.') && !load.specifier.startsWith('@shop/'),
        )
        .map((load) => packageNameOf(load.specifier))
        .filter((name) => !(name in image.manifest.dependencies)),
    ),
  ];
};
const loadedPackages = (image: ImageTree, loads: readonly Load[]): Set<string> =>
  new Set(
    loads
      .filter((load) => load.resolved.startsWith(join(image.dir, 'node_modules') + sep))
      .map((load) => packageNameOf(relative(join(image.dir, 'node_modules'), load.resolved))),
  );

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe("the gateway's image", () => {
  let image: ImageTree;
  beforeAll(async () => {
    image = await assemble('gateway');
  }, 10 * 60_000);

  it('holds the gateway alone: its build and the builds of the libraries it loads, no other app, no sources or tests', () => {
    expectOnlyTheApp(image);
  });

  it('installs, from a lock file pruned to them, the production packages its code loads and none of what only the services load', () => {
    expectAPrunedLockFile(image);
    for (const name of ['fastify', '@nestjs/core', ...GATEWAY_ONLY]) expect(image.manifest.dependencies).toHaveProperty([name]);
    // The SQLite driver: a library the gateway loads declares it, but no file of the gateway's loads it.
    for (const name of ['better-sqlite3', ...USER_ONLY]) expect(image.packageNames).not.toContain(name);
    expectEveryDependencyNamedByAShippedFile(image, []);
  });

  it('starts from its tree alone, answers, and stops on SIGTERM; its code loads no package the manifest does not name', async () => {
    const secrets = { JWT_SECRET: randomBytes(48).toString('base64url'), INTERNAL_AUTH_SECRET: randomBytes(48).toString('base64url') };
    const started = await runApp(image, { ...secrets, OTEL_TRACES_EXPORTER: 'console' }, '/api/v1/health/live', async (url) => {
      expect((await fetch(`${url}/api/v1/openapi.json`)).status).toBe(200);
    });
    expect(started.exitCode, started.output).toBe(0);
    expect(undeclaredLoads(image, started.loads)).toEqual([]);
    expect(loadedPackages(image, started.loads)).toContain('ioredis');
  }, 180_000);

  it('loads the tracing SDK, which it loads only when tracing is on, from its tree', async () => {
    const script = [
      "import { startTracing } from '@shop/observability';",
      "const tracing = startTracing({ service: 'image-check' });",
      'if (!tracing.enabled) process.exit(3);',
      'await tracing.shutdown();',
    ].join('\n');
    const { code, output } = await exec(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(image.dir, 'apps', 'gateway'),
      // startTracing reads every OTEL_* variable from process.env, as the SDK and the exporter do.
      env: { PATH: process.env['PATH'] ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(code, output).toBe(0);
  }, 60_000);
});

describe("the order service's image", () => {
  let image: ImageTree;
  let vhost: VirtualHost | undefined;
  const database = `shop_order_image_${run}`;
  beforeAll(async () => {
    // Compiles better-sqlite3 where no prebuilt binary is at hand: minutes.
    image = await assemble('order');
  }, 20 * 60_000);
  afterAll(async () => {
    await vhost?.remove();
    await dropDatabase(database);
  }, 60_000);

  it("holds the order service alone, with the SQLite driver it declares and none of the gateway's or the user service's packages", () => {
    expectOnlyTheApp(image);
    expectAPrunedLockFile(image);
    for (const name of ['typeorm', 'pg', 'amqplib', 'better-sqlite3']) expect(image.manifest.dependencies).toHaveProperty([name]);
    for (const name of [...GATEWAY_ONLY, ...USER_ONLY]) expect(image.packageNames).not.toContain(name);
    // TypeORM loads the driver by name: no file names it, apps/order/package.json declares it.
    expectEveryDependencyNamedByAShippedFile(image, ['better-sqlite3']);
    expect(readJson<Manifest>(join(root, 'apps/order/package.json')).dependencies).toHaveProperty(['better-sqlite3']);
  });

  it('runs from its tree on PostgreSQL and RabbitMQ (ready: database and broker reached) and stops on SIGTERM', async () => {
    vhost = await createVirtualHost(`shop_order_image_${run}`);
    const env = {
      INTERNAL_AUTH_SECRET: randomBytes(48).toString('base64url'),
      AMQP_URL: vhost.url,
      POSTGRES_URL: TEST_POSTGRES_URL,
      ORDER_DATABASE_URL: withDatabase(TEST_POSTGRES_URL, database),
    };
    const started = await runApp(image, env, '/health/ready', async () => {
      // The operator's DLQ command ships in the image (libs/messaging's build) and runs from it.
      const dlq = await exec(process.execPath, ['libs/messaging/dist/cli/dlq.js', 'list', 'order'], {
        cwd: image.dir,
        env: { PATH: process.env['PATH'] ?? '', AMQP_URL: vhost!.url },
      });
      expect(dlq.code, dlq.output).toBe(0);
    });
    expect(started.exitCode, started.output).toBe(0);
    expect(undeclaredLoads(image, started.loads)).toEqual([]);
    expect(loadedPackages(image, started.loads)).toContain('pg');
  }, 180_000);

  it('runs from its tree on SQLite, the embedded mode of one service, with the better-sqlite3 compiled for it', async () => {
    const dataDir = freshFolder('order-data');
    const started = await runApp(image, { INTERNAL_AUTH_SECRET: randomBytes(48).toString('base64url'), SHOP_DATA_DIR: dataDir }, '/health/ready');
    expect(started.exitCode, started.output).toBe(0);
    expect(undeclaredLoads(image, started.loads)).toEqual([]);
    expect(loadedPackages(image, started.loads)).toContain('better-sqlite3');
    expect(readdirSync(dataDir)).toContain('order.sqlite');
  }, 180_000);
});
