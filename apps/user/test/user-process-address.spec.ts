// `node apps/user/dist/main.js` listens on loopback unless HOST says otherwise, and its start line
// names the address it really bound (not only the URL it is reached at). Runs the build output.
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

describe('the address the user service process listens on', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm run build)`);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  /** Starts the process embedded on a free port with `env`, and returns its listening line. */
  async function listeningLine(env: Record<string, string>): Promise<Record<string, unknown>> {
    const dataDir = await mkdtemp(join(tmpdir(), 'shop-user-address-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'] ?? '',
        JWT_SECRET: TEST_JWT_SECRET,
        INTERNAL_AUTH_SECRET,
        SHOP_DATA_DIR: dataDir,
        PORT: String(await freePort()),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const stdout: string[] = [];
    const stderr: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const line = await waitFor(
      () =>
        stdout
          .join('')
          .split('\n')
          .find((candidate) => candidate.includes('user service listening')),
      {
        what: `the listening line (stderr: ${stderr.join('')})`,
      },
    );
    return JSON.parse(line) as Record<string, unknown>;
  }

  it('binds 127.0.0.1 without HOST, and says so', async () => {
    const line = await listeningLine({});
    expect(line['msg']).toMatch(/^user service listening on 127\.0\.0\.1:\d+$/);
    expect(line['address']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('with HOST=0.0.0.0 says it is on every interface, and still gives the URL it is reached at', async () => {
    const line = await listeningLine({ HOST: '0.0.0.0' });
    expect(line['msg']).toMatch(/^user service listening on 0\.0\.0\.0:\d+$/);
    const port = String(line['address']).split(':')[1];
    expect(line['url']).toBe(`http://127.0.0.1:${port}`);
  });
});
