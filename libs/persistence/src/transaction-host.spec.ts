import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { openDataSource } from './data-source.factory.js';
import { TransactionAbandonedError, TransactionHost } from './transaction-host.js';

class CreateCounter1700000000000 implements MigrationInterface {
  name = 'CreateCounter1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`);
    await runner.query(`INSERT INTO counter (id, value) VALUES (1, 0)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE counter`);
  }
}

describe('TransactionHost on SQLite', () => {
  let host: TransactionHost;
  beforeEach(async () => {
    host = new TransactionHost(await openDataSource({ service: 'tx_spec', sqliteDir: ':memory:', entities: [], migrations: [CreateCounter1700000000000] }));
  });
  afterEach(() => host.dataSource.destroy());

  const value = async () => ((await host.dataSource.query(`SELECT value FROM counter WHERE id = 1`)) as Array<{ value: number }>)[0]!.value;
  const increment = () =>
    host.run(async () => {
      const current = await value();
      await new Promise((r) => setTimeout(r, 1));
      await host.manager.query(`UPDATE counter SET value = ? WHERE id = 1`, [current + 1]);
    });

  it('serialises overlapping transactions on the one connection: 200 at once, no error, no lost update', async () => {
    const results = await Promise.allSettled(Array.from({ length: 200 }, increment));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(0);
    expect(await value()).toBe(200);
  });

  it('rolls back on error, joins an outer transaction, and runs after-commit callbacks only on commit', async () => {
    const fired: string[] = [];
    await expect(
      host.run(async () => {
        await host.manager.query(`UPDATE counter SET value = 99 WHERE id = 1`);
        host.afterCommit(() => fired.push('rolled-back'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await value()).toBe(0);

    await host.run(async () => {
      await host.run(async () => host.manager.query(`UPDATE counter SET value = 5 WHERE id = 1`));
      host.afterCommit(() => fired.push('committed'));
      expect(fired).toEqual([]);
    });
    expect(fired).toEqual(['committed']);
    expect(await value()).toBe(5);
  });
  it('runs before-commit checks inside the transaction once the work is done; a failing check rolls it back', async () => {
    const seen: string[] = [];
    await host.run(async () => {
      await host.manager.query(`UPDATE counter SET value = 1 WHERE id = 1`);
      host.beforeCommit(async () => {
        seen.push(`check sees ${((await host.manager.query(`SELECT value FROM counter WHERE id = 1`)) as Array<{ value: number }>)[0]!.value}`);
        host.beforeCommit(() => void seen.push('added by a check'));
      });
      await host.run(async () => host.beforeCommit(() => void seen.push('joined work')));
      await host.manager.query(`UPDATE counter SET value = 2 WHERE id = 1`);
      seen.push('work done');
    });
    expect(seen).toEqual(['work done', 'check sees 2', 'joined work', 'added by a check']);
    expect(await value()).toBe(2);

    await expect(
      host.run(async () => {
        await host.manager.query(`UPDATE counter SET value = 99 WHERE id = 1`);
        host.beforeCommit(() => {
          throw new Error('refused');
        });
      }),
    ).rejects.toThrow('refused');
    expect(await value()).toBe(2);
    expect(() => host.beforeCommit(() => undefined)).toThrow(/inside UnitOfWork.run/);
  });

  it('abandons a transaction when its signal aborts: rejects at once, rolls back, refuses later queries, and the next one runs', async () => {
    const deadline = new AbortController();
    let resumeAbandoned!: () => void;
    const abandonedWorkCanGoOn = new Promise<void>((resolve) => (resumeAbandoned = resolve));
    let lateQuery: Promise<unknown> | undefined;
    let lateJoin: Promise<unknown> | undefined;
    const hung = host.run(
      async () => {
        await host.manager.query(`UPDATE counter SET value = 41 WHERE id = 1`);
        const captured = host.manager;
        await abandonedWorkCanGoOn;
        lateQuery = captured.query(`UPDATE counter SET value = 42 WHERE id = 1`).then(
          () => 'ran',
          (error: unknown) => error,
        );
        lateJoin = host
          .run(() => host.manager.query(`UPDATE counter SET value = 43 WHERE id = 1`))
          .then(
            () => 'ran',
            (error: unknown) => error,
          );
      },
      { signal: deadline.signal },
    );
    const queuedBehind = host.run(() => host.manager.query(`UPDATE counter SET value = value + 1 WHERE id = 1`));

    await new Promise((r) => setTimeout(r, 20));
    deadline.abort(new Error('deadline passed'));
    await expect(hung).rejects.toThrow('deadline passed');
    await queuedBehind;
    expect(await value()).toBe(1);

    resumeAbandoned();
    await new Promise((r) => setTimeout(r, 10));
    expect(await lateQuery).toBeInstanceOf(TransactionAbandonedError);
    expect(await lateJoin).toBeInstanceOf(TransactionAbandonedError);
    expect(await value()).toBe(1);
    await increment();
    expect(await value()).toBe(2);
  });

  it('answers an already aborted signal without starting a transaction', async () => {
    const aborted = AbortSignal.abort(new Error('too late'));
    let ran = false;
    await expect(host.run(async () => void (ran = true), { signal: aborted })).rejects.toThrow('too late');
    expect(ran).toBe(false);
  });

  it('a read waits for the transaction open on the one connection: it never sees an uncommitted write, here rolled back', async () => {
    let written!: () => void;
    const writtenInTransaction = new Promise<void>((resolve) => (written = resolve));
    let rollBack!: () => void;
    const rollBackNow = new Promise<void>((resolve) => (rollBack = resolve));
    const rolledBack = host.run(async () => {
      await host.manager.query(`UPDATE counter SET value = 99 WHERE id = 1`);
      written();
      await rollBackNow;
      throw new Error('rolled back');
    });
    await writtenInTransaction;

    const read = host.read(value);
    // Given every chance to run inside the open transaction before it ends.
    await new Promise((r) => setTimeout(r, 20));
    rollBack();
    await expect(rolledBack).rejects.toThrow('rolled back');
    expect(await read).toBe(0);
  });

  it('a read joins the transaction it is called in, nests, and refuses to open a transaction inside it', async () => {
    await host.run(async () => {
      await host.manager.query(`UPDATE counter SET value = 7 WHERE id = 1`);
      expect(await host.read(() => host.read(value))).toBe(7);
    });
    expect(await host.read(() => host.read(value))).toBe(7);
    await expect(host.read(() => host.run(() => host.manager.query(`UPDATE counter SET value = 8 WHERE id = 1`)))).rejects.toThrow(/inside read/);
    // The queue goes on.
    await increment();
    expect(await host.read(value)).toBe(8);
  });

  it('a transaction that ended leaves later work in its async context outside any transaction', async () => {
    let later: Promise<unknown> | undefined;
    await host.run(async () => {
      later = new Promise((r) => setTimeout(r, 5)).then(() => ({ inTransaction: host.inTransaction }));
    });
    expect(await later).toEqual({ inTransaction: false });
  });
});
