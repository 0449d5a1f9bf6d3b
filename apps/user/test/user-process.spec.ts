// `node apps/user/dist/main.js`: the service as its own process, configured from the environment.
// Runs the build output, which `npm run test:integration` makes first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@shop/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_AUTH_SECRET } from './support/user-service-harness.js';
import { TEST_JWT_SECRET } from './support/user-test-database.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Started {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
}

function run(env: Record<string, string>): Started {
  // Only what is given: variables of the test runner (AMQP_URL, POSTGRES_URL...) would change the mode.
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

describe('the user service as its own process', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm run build)`);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('names every missing or bad variable and exits 1, without a stack trace', async () => {
    const started = run({ JWT_SECRET: 'too short', PORT: 'eighty' });
    children.push(started.child);
    expect(await started.exited).toBe(1);
    const errors = started.stderr.join('');
    expect(errors).toMatch(/INTERNAL_AUTH_SECRET/);
    expect(errors).toMatch(/PORT/);
    // The user's own variables are read with the same loader as the runtime's, and reported the same way.
    expect(errors).toMatch(/JWT_SECRET: invalid; expected a secret of at least 32 bytes/);
    expect(errors).not.toMatch(/too short|eighty/);
    expect(errors).not.toMatch(/\n\s+at /);
  });

  it('starts embedded on SQLite from the environment, serves /health, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'shop-user-process-'));
    dirs.push(dataDir);
    const port = await freePort();
    const started = run({
      JWT_SECRET: TEST_JWT_SECRET,
      INTERNAL_AUTH_SECRET,
      SHOP_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SHOP_ADMIN_EMAIL: 'root@shop.example',
      SHOP_ADMIN_PASSWORD: 'an admin passphrase',
    });
    children.push(started.child);

    const listening = await waitFor(
      () =>
        started.stdout
          .join('')
          .split('\n')
          .find((line) => line.includes('user service listening')),
      {
        what: `the listening line (stderr: ${started.stderr.join('')})`,
      },
    );
    expect(JSON.parse(listening)).toMatchObject({ service: 'user', url: `http://127.0.0.1:${port}` });
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toEqual({ status: 'ok', checks: { database: 'up', broker: 'up' } });
    expect(existsSync(join(dataDir, 'user.sqlite'))).toBe(true);

    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.stdout.join('')).toMatch(/administrator account created/);
  });
});
