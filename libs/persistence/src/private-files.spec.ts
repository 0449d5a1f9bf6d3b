import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataSource } from './data-source.factory.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the embedded SQLite files are private to their owner (issue 8)', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'shop-private-files-'));
    // The most permissive umask: the modes must not come from it.
    umask = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the data folder 0700 and the database, -wal and -shm files 0600', async () => {
    const dir = join(root, 'nested', 'data');
    const dataSource = await openDataSource({ service: 'probe', sqliteDir: dir, entities: [], migrations: [] });
    try {
      await dataSource.query('CREATE TABLE t (x INTEGER)');
      await dataSource.query('INSERT INTO t VALUES (1)');
      expect(modeOf(dir)).toBe(0o700);
      for (const file of ['probe.sqlite', 'probe.sqlite-wal', 'probe.sqlite-shm']) expect([file, modeOf(join(dir, file))]).toEqual([file, 0o600]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('tightens database files an older version left world-readable, and leaves an existing folder as it is', async () => {
    chmodSync(root, 0o750); // the operator's folder (SHOP_DATA_DIR), managed by them
    writeFileSync(join(root, 'probe.sqlite'), '', { mode: 0o644 });
    const dataSource = await openDataSource({ service: 'probe', sqliteDir: root, entities: [], migrations: [] });
    await dataSource.destroy();
    expect(modeOf(join(root, 'probe.sqlite'))).toBe(0o600);
    expect(modeOf(root)).toBe(0o750);
  });
});
