import { describe, expect, it } from 'vitest';
import { KeyedSerialQueue } from './keyed-serial-queue.js';

describe('KeyedSerialQueue', () => {
  it('runs one key in arrival order, other keys alongside, and survives a failing task', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      () =>
        new Promise<void>((resolve, reject) => setTimeout(() => (log.push(name), fail ? reject(new Error(name)) : resolve()), ms));
    const runs = [queue.run('a', task('a1', 30, true)), queue.run('a', task('a2', 1)), queue.run('b', task('b1', 5))];
    const results = await Promise.allSettled(runs);
    expect(log).toEqual(['b1', 'a1', 'a2']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });
});
