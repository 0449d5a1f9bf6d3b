// A newcomer adds a context, as README "Adding a context" says, in a scratch copy of the tree: the
// app under apps/<ctx>, its contracts, and the registrations (the list of contexts, the compose
// file, CODEOWNERS). The copy type-checks, passes the layer lint, and the embedded platform starts it:
// the gateway serves, documents and health-checks its route with no edit of the gateway, the
// embedded launcher or start:services.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const NAME = 'catalog';
const PORT = 3099;

/**
 * Everything that changes outside apps/<ctx>: the context's contracts, four registrations, and the lock
 * file, which `npm install` updates with the new workspace package (npm ci refuses a lock file without it).
 */
const OUTSIDE_THE_APP = [
  'libs/contracts/src/catalog/catalog.context.ts',
  'libs/contracts/src/contexts.ts',
  'docker/docker-compose.yml',
  'docker/observability/prometheus.yml',
  '.github/CODEOWNERS',
  'package-lock.json',
];

const appFiles: Record<string, string> = {
  'package.json': JSON.stringify(
    {
      name: `@shop/${NAME}`,
      version: '0.1.0',
      private: true,
      type: 'module',
      exports: { '.': { '@shop/source': './src/main.ts', types: './dist/main.d.ts', default: './dist/main.js' } },
      scripts: { build: 'tsc -b tsconfig.lib.json' },
      nx: { tags: ['type:app', `scope:${NAME}`] },
      dependencies: { '@nestjs/common': '^12.5.1', '@shop/contracts': '0.1.0', '@shop/runtime': '0.1.0' },
    },
    null,
    2,
  ),
  'tsconfig.lib.json': JSON.stringify({
    extends: '../../tsconfig.base.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/tsconfig.lib.tsbuildinfo' },
    include: ['src/**/*.ts'],
    exclude: ['src/**/*.spec.ts', 'src/**/testing/**'],
    references: [{ path: '../../libs/runtime/tsconfig.lib.json' }, { path: '../../libs/contracts/tsconfig.lib.json' }],
  }),
  'src/application/queries/get-status/get-status.handler.ts': `import { Injectable } from '@nestjs/common';
import type { CatalogStatus } from '@shop/contracts';

@Injectable()
export class GetStatusHandler {
  execute(): CatalogStatus {
    return { status: 'open' };
  }
}
`,
  'src/interface/http/status.controller.ts': `import { Controller, Get } from '@nestjs/common';
import type { CatalogStatus } from '@shop/contracts';
import { GetStatusHandler } from '../../application/queries/get-status/get-status.handler.js';

@Controller('catalog')
export class StatusController {
  constructor(private readonly getStatus: GetStatusHandler) {}

  @Get('status')
  status(): CatalogStatus {
    return this.getStatus.execute();
  }
}
`,
  [`src/${NAME}.module.ts`]: `import { Module, type DynamicModule } from '@nestjs/common';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { GetStatusHandler } from './application/queries/get-status/get-status.handler.js';
import { StatusController } from './interface/http/status.controller.js';

@Module({})
export class CatalogModule {
  static forRoot(runtime: ServiceRuntime): DynamicModule {
    return contextModule(CatalogModule, runtime, { entities: [], migrations: [], controllers: [StatusController], providers: [GetStatusHandler] });
  }
}
`,
  'src/main.ts': `import { defineContextService, runContextServiceIfMain } from '@shop/runtime';
import { CatalogModule } from './catalog.module.js';

export const contextService = defineContextService({ name: '${NAME}', config: () => ({}), module: (runtime) => CatalogModule.forRoot(runtime) });

await runContextServiceIfMain(contextService, import.meta.url);
`,
};

const contractsFile = `import { Type, type Static } from 'typebox';
import { defineContext } from '../context.js';

export const CatalogStatus = Type.Object({ status: Type.Literal('open') }, { title: 'CatalogStatus', additionalProperties: false });
export type CatalogStatus = Static<typeof CatalogStatus>;

export const catalogContext = defineContext({
  name: '${NAME}',
  port: ${PORT},
  tags: { catalog: 'The catalog' },
  routes: {
    status: {
      operationId: 'getCatalogStatus',
      method: 'GET',
      path: '/catalog/status',
      access: 'anonymous',
      tag: 'catalog',
      summary: 'Whether the catalog is open',
      responses: { 200: { description: 'Its status', schema: CatalogStatus } },
    },
  },
});
`;

let scratch: string;
/** The copy's files before the context is added. */
let before: Map<string, string>;
let platform: ChildProcess | undefined;

/** A copy of the work tree (build outputs included, so that only what changed is rebuilt) with its own workspace links. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shop-new-context-'));
  const skipped = new Set(['node_modules', '.git', '.nx', 'data', 'coverage', 'tmp']);
  cpSync(REPO, dir, { recursive: true, preserveTimestamps: true, filter: (source) => !skipped.has(relative(REPO, source).split('/')[0] ?? '') });
  // node_modules: the installed packages as they are, the workspace packages (@shop/*) pointing into the copy.
  mkdirSync(join(dir, 'node_modules/@shop'), { recursive: true });
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry !== '@shop') symlinkSync(join(REPO, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  return dir;
}

function linkWorkspacePackages(dir: string): void {
  for (const kind of ['apps', 'libs', 'tools']) {
    for (const project of readdirSync(join(dir, kind))) {
      try {
        const { name } = JSON.parse(readFileSync(join(dir, kind, project, 'package.json'), 'utf8')) as { name: string };
        symlinkSync(join(dir, kind, project), join(dir, 'node_modules', name));
      } catch {
        // not a workspace package
      }
    }
  }
}

/** Source files of a tree (no installed packages, build outputs or data). */
function filesOf(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (['node_modules', 'dist', 'data', '.git', '.nx'].includes(entry.name) || entry.name.endsWith('.tsbuildinfo')) return [];
    return entry.isDirectory() ? filesOf(root, path) : [path];
  });
}

const digestOf = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function write(path: string, content: string): void {
  mkdirSync(dirname(join(scratch, path)), { recursive: true });
  writeFileSync(join(scratch, path), content);
}

function edit(path: string, change: (text: string) => string): void {
  const before = readFileSync(join(scratch, path), 'utf8');
  const after = change(before);
  expect(after, `${path} changed`).not.toBe(before);
  writeFileSync(join(scratch, path), after);
}

function addContext(): void {
  for (const [path, content] of Object.entries(appFiles)) write(`apps/${NAME}/${path}`, content);
  write(OUTSIDE_THE_APP[0]!, contractsFile);
  edit('libs/contracts/src/contexts.ts', (text) =>
    text
      .replace(/(import \{ userContext \} from '\.\/user\/user\.context\.js';\n)/, `$1import { catalogContext } from './catalog/catalog.context.js';\n`)
      .replace(/(export \* from '\.\/user\/index\.js';\n)/, `$1export * from './catalog/catalog.context.js';\n`)
      .replace(/defineContexts\(\[([^\]]*)\]/, 'defineContexts([$1, catalogContext]'),
  );
  // The compose service: the user service's, renamed.
  edit('docker/docker-compose.yml', (text) => {
    const user = /\n {2}user:\n(?: {4}.*\n|\n(?= {4}))+/.exec(text)![0];
    const catalog = user
      .replace(' user:', ` ${NAME}:`)
      .replace(/APP: user/g, `APP: ${NAME}`)
      .replace(/PORT: '3001'/, `PORT: '${PORT}'`)
      .replace(/ {6}(?:JWT_SECRET|SHOP_ADMIN_\w+):.*\n/g, '');
    const withService = text.replace(user, `${user}${catalog}`);
    return withService
      .replace(/( {6}USER_SERVICE_URL: .*\n)/, `$1      ${NAME.toUpperCase()}_SERVICE_URL: http://${NAME}:${PORT}\n`)
      .replace(/( {6}user:\n {8}condition: service_healthy\n)/, `$1      ${NAME}:\n        condition: service_healthy\n`);
  });
  // Its metrics scraped: the user service's job, renamed.
  edit('docker/observability/prometheus.yml', (text) => {
    const user = /\n {2}- job_name: user\n(?: {4}.*\n)+/.exec(text)![0];
    return text.replace(user, `${user}${user.replace('job_name: user', `job_name: ${NAME}`).replace("'user:3001'", `'${NAME}:${PORT}'`)}`);
  });
  edit('.github/CODEOWNERS', (text) => `${text}/apps/${NAME}/    @shop/${NAME}-team\n`);
}

describe('adding a context', () => {
  beforeAll(async () => {
    scratch = scratchCopy();
    before = new Map(filesOf(scratch).map((path) => [path, digestOf(join(scratch, path))]));
    addContext();
    // What `npm install` does for a new workspace package: the lock file records it, node_modules links it.
    await run('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: scratch });
    linkWorkspacePackages(scratch);
  }, 120_000);

  afterAll(() => {
    platform?.kill('SIGKILL');
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('touches nothing outside apps/<ctx> but its contracts, four registrations and the lock file', async () => {
    const changed = filesOf(scratch).filter((path) => !path.startsWith(`apps/${NAME}/`) && before.get(path) !== digestOf(join(scratch, path)));
    expect(changed.sort()).toEqual([...OUTSIDE_THE_APP].sort());
    // The lock file is complete for `npm ci` on a clean clone.
    await run(process.execPath, ['tools/lockfile/complete-optional-deps.mjs', '--check'], { cwd: scratch });
    expect(readFileSync(join(scratch, 'package-lock.json'), 'utf8')).toContain(`"apps/${NAME}"`);
  });

  it('passes the compose check and the CODEOWNERS check, which read the list of contexts', async () => {
    await run(
      process.execPath,
      [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.ts', 'tools/compose', 'tools/nx/test/codeowners.spec.ts'],
      {
        cwd: scratch,
      },
    );
  }, 120_000);

  it('type-checks and builds', async () => {
    await run(
      process.execPath,
      [
        join(REPO, 'node_modules/typescript/bin/tsc'),
        '-b',
        'tools/embedded/tsconfig.lib.json',
        // Every app: the embedded platform imports each context's from its build.
        ...readdirSync(join(scratch, 'apps')).map((app) => `apps/${app}/tsconfig.lib.json`),
      ],
      {
        cwd: scratch,
      },
    );
    // Every project is built from scratch in the copy: about three minutes when the runner is busy.
  }, 600_000);

  it('passes the layer lint and the Nx tags check', async () => {
    const { stdout } = await run(process.execPath, ['tools/arch/cli.mjs'], { cwd: scratch });
    expect(stdout).toMatch(/no violations/);
  }, 120_000);

  it('starts in the embedded mode: the gateway serves, documents and health-checks its route', async () => {
    const dataDir = join(scratch, 'data');
    platform = spawn(process.execPath, ['tools/embedded/dist/main.js'], {
      cwd: scratch,
      env: { ...process.env, SHOP_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    platform.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    platform.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const apiUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the embedded platform did not start:\n${output}`)), 60_000);
      const poll = setInterval(() => {
        const ready = /ready: (http:\/\/[^ ]+\/api\/v1)/.exec(output);
        if (ready || platform!.exitCode !== null) {
          clearInterval(poll);
          clearTimeout(timer);
          if (ready) resolve(ready[1]!);
          else reject(new Error(`the embedded platform exited:\n${output}`));
        }
      }, 100);
    });

    const status = await fetch(`${apiUrl}/catalog/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ status: 'open' });
    const openApi = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openApi.paths)).toContain('/catalog/status');
    const ready = await fetch(`${apiUrl}/health/ready`);
    const readiness = (await ready.json()) as { checks: Record<string, unknown> };
    expect(ready.status).toBe(200);
    expect(Object.keys(readiness.checks)).toEqual(expect.arrayContaining(['user', NAME]));
  }, 120_000);
});
