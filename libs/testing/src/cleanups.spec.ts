import { describe, expect, it } from 'vitest';
import { Cleanups } from './cleanups.js';

describe('Cleanups', () => {
  it('runs its tasks newest first, each after the previous one has finished', async () => {
    const cleanups = new Cleanups();
    const log: string[] = [];
    for (const name of ['database', 'app', 'client']) {
      cleanups.add(async () => {
        log.push(`${name} start`);
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`${name} end`);
      });
    }
    await cleanups.run();
    expect(log).toEqual(['client start', 'client end', 'app start', 'app end', 'database start', 'database end']);
  });

  it('runs a task once: a second run has only what was added since', async () => {
    const cleanups = new Cleanups();
    const log: string[] = [];
    cleanups.add(async () => log.push('first'));
    await cleanups.run();
    cleanups.add(async () => log.push('second'));
    await cleanups.run();
    await cleanups.run();
    expect(log).toEqual(['first', 'second']);
  });
});
