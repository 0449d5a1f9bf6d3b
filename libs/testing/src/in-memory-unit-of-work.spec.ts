import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryUnitOfWork } from './in-memory-unit-of-work.js';

/** A promise the test settles by hand, so that a run can be held open while dispose() is called. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('InMemoryUnitOfWork.dispose', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('lets the runs already queued finish and commit, nested runs included, before it resolves', async () => {
    const unitOfWork = new InMemoryUnitOfWork();
    const { opened, open } = gate();
    const happened: string[] = [];
    const first = unitOfWork.run(async () => {
      await opened;
      // Work in flight may still call run: it joins its transaction as before.
      const nested = await unitOfWork.run(async () => unitOfWork.inTransaction);
      happened.push('first');
      return nested;
    });
    const second = unitOfWork.run(async () => {
      happened.push('second');
      return 'second';
    });

    const disposed = unitOfWork.dispose().then(() => happened.push('disposed'));
    open();
    await disposed;

    expect(await first).toBe(true);
    expect(await second).toBe('second');
    expect(happened).toEqual(['first', 'second', 'disposed']);
    expect(unitOfWork.commits).toBe(2);
  });

  it('refuses any run afterwards, without touching its participants', async () => {
    const begin = vi.fn(() => () => undefined);
    const unitOfWork = new InMemoryUnitOfWork([{ begin }]);
    await unitOfWork.dispose();
    const work = vi.fn(async () => 'ran');

    await expect(unitOfWork.run(work)).rejects.toThrow(/disposed/);

    expect(work).not.toHaveBeenCalled();
    expect(begin).not.toHaveBeenCalled();
    expect(unitOfWork.runs).toBe(0);
  });

  it('disables its async context once the queued runs settled, so Node stops visiting it on every promise', async () => {
    const disable = vi.spyOn(AsyncLocalStorage.prototype, 'disable');
    const unitOfWork = new InMemoryUnitOfWork();
    const { opened, open } = gate();
    const held = unitOfWork.run(async () => opened);

    const disposed = unitOfWork.dispose();
    await Promise.resolve();
    expect(disable, 'not while a run is still in its transaction').not.toHaveBeenCalled();
    open();
    await disposed;
    await held;

    expect(disable).toHaveBeenCalledTimes(1);
    expect(disable.mock.contexts[0]).toBeInstanceOf(AsyncLocalStorage);
  });

  it('resolves even when a queued run failed (that run rolled back as usual), and a second time too', async () => {
    const rollback = vi.fn();
    const unitOfWork = new InMemoryUnitOfWork([{ begin: () => rollback }]);
    const failed = unitOfWork
      .run(async () => {
        throw new Error('boom');
      })
      .catch((error: unknown) => error);

    await unitOfWork.dispose();
    await unitOfWork.dispose();

    expect(await failed).toEqual(new Error('boom'));
    expect(rollback).toHaveBeenCalledTimes(1);
    expect(unitOfWork.commits).toBe(0);
  });
});
