// Issue 8, item 5: the embedded user service keeps its SQLite files (password hashes) private.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups } from '@shop/testing';
import { startUserService } from '../src/main.js';
import { UserServiceHome, UserApi, testUserConfig } from './support/user-service-harness.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('the user service started embedded on a new data folder', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('creates the folder 0700 and user.sqlite with its -wal and -shm 0600', async () => {
    const root = await mkdtemp(join(tmpdir(), 'shop-user-files-'));
    cleanups.add(() => rm(root, { recursive: true, force: true }));
    const dataDir = join(root, 'data');
    const home = await UserServiceHome.create('sqlite+memory', cleanups);
    const running = await startUserService({ ...home.runtime(), database: { sqliteDir: dataDir } }, testUserConfig());
    cleanups.add(() => running.close());
    await new UserApi(running.url).register({ email: 'files@shop.example', password: 'correct horse battery' });

    expect(await modeOf(dataDir)).toBe(0o700);
    for (const file of ['user.sqlite', 'user.sqlite-wal', 'user.sqlite-shm']) expect([file, await modeOf(join(dataDir, file))]).toEqual([file, 0o600]);
  });
});
