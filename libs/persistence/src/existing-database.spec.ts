import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { openDataSource } from './data-source.factory.js';
import { openExistingServiceDatabase } from './existing-database.js';

class CreateNotes1700000000000 implements MigrationInterface {
  name = 'CreateNotes1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`);
    await runner.query(`INSERT INTO note (id, text) VALUES (1, 'kept')`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE note`);
  }
}

/** Not yet run on the service's file: an operator command must not run it. */
class AddLater1800000000000 implements MigrationInterface {
  name = 'AddLater1800000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE later (id INTEGER)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE later`);
  }
}

const modeOf = (path: string) => statSync(path).mode & 0o777;
const tables = async (dataSource: DataSource) =>
  ((await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)) as Array<{ name: string }>).map(
    (row) => row.name,
  );

describe('openExistingServiceDatabase on SQLite', () => {
  let dir: string;
  const open: DataSource[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-existing-db-'));
  });
  afterEach(async () => {
    for (const dataSource of open.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const serviceDatabase = async () => {
    const service = await openDataSource({ service: 'notes', sqliteDir: dir, entities: [], migrations: [CreateNotes1700000000000] });
    open.push(service);
    return service;
  };

  it('opens the file read-only: reads it, beside the running service too, refuses writes, and neither migrates nor chmods it', async () => {
    const service = await serviceDatabase();
    await service.query(`INSERT INTO note (id, text) VALUES (2, 'while running')`);
    chmodSync(join(dir, 'notes.sqlite'), 0o640);

    const command = await openExistingServiceDatabase('notes', { sqliteDir: dir }, {}, { applicationName: 'test', readOnly: true });
    if (typeof command === 'string') throw new Error(command);
    open.push(command);
    expect(await command.query(`SELECT id, text FROM note ORDER BY id`)).toEqual([
      { id: 1, text: 'kept' },
      { id: 2, text: 'while running' },
    ]);
    await expect(command.query(`INSERT INTO note (id, text) VALUES (3, 'no')`)).rejects.toThrow(/readonly/i);
    await command.destroy();
    await service.destroy();

    // Stopped: still readable, and left as it was (no migrations table of a later version, mode kept).
    const again = await openExistingServiceDatabase('notes', { sqliteDir: dir }, {}, { applicationName: 'test', readOnly: true });
    if (typeof again === 'string') throw new Error(again);
    open.push(again);
    expect(await again.query(`SELECT COUNT(*) AS n FROM note`)).toEqual([{ n: 2 }]);
    expect(await tables(again)).toEqual(['migrations', 'note']);
    expect(modeOf(join(dir, 'notes.sqlite'))).toBe(0o640);
  });

  it('opens it for writing when asked, still without migrating it', async () => {
    await (await serviceDatabase()).destroy();
    const command = await openExistingServiceDatabase('notes', { sqliteDir: dir }, {}, { applicationName: 'test' });
    if (typeof command === 'string') throw new Error(command);
    open.push(command);
    await command.query(`INSERT INTO note (id, text) VALUES (3, 'written')`);
    expect(await tables(command)).toEqual(['migrations', 'note']);
    // The service, on its next start, migrates as ever.
    await command.destroy();
    const restarted = await openDataSource({ service: 'notes', sqliteDir: dir, entities: [], migrations: [CreateNotes1700000000000, AddLater1800000000000] });
    open.push(restarted);
    expect(await tables(restarted)).toEqual(['later', 'migrations', 'note']);
  });

  it('answers a message, and creates nothing, when the file or the folder is missing or no database is named', async () => {
    const missingDir = join(dir, 'nowhere');
    expect(await openExistingServiceDatabase('notes', { sqliteDir: missingDir }, {}, { applicationName: 'test', readOnly: true })).toBe(
      `no database of notes at ${join(missingDir, 'notes.sqlite')}`,
    );
    expect(existsSync(missingDir)).toBe(false);
    expect(await openExistingServiceDatabase('notes', { sqliteDir: dir }, {}, { applicationName: 'test' })).toMatch(/^no database of notes at /);
    expect(existsSync(join(dir, 'notes.sqlite'))).toBe(false);
    expect(await openExistingServiceDatabase('notes', {}, { POSTGRES_URL: '' }, { applicationName: 'test' })).toBe(
      'no database of notes named: --postgres-url, $NOTES_DATABASE_URL or $POSTGRES_URL, or --sqlite-dir',
    );
  });
});
