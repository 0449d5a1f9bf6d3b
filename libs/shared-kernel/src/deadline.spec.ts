import { describe, expect, it } from 'vitest';
import { settlesWithin, sleep, withDeadline } from './deadline.js';

const after = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('withDeadline', () => {
  it('settles as the work does when it is in time, value or rejection', async () => {
    expect(await withDeadline(after(5, 'done'), 200, () => 'late')).toBe('done');
    await expect(withDeadline(Promise.reject(new Error('boom')), 200, () => 'late')).rejects.toThrow('boom');
  });

  it('settles as onLate does once the deadline passes first: its value, or what it throws', async () => {
    expect(await withDeadline(after(500, 'done'), 10, () => 'late')).toBe('late');
    await expect(
      withDeadline(after(500, 'done'), 10, () => {
        throw new Error('no answer within 10 ms');
      }),
    ).rejects.toThrow('no answer within 10 ms');
  });

  it('never calls onLate when the work is in time', async () => {
    let calls = 0;
    await withDeadline(after(5, 'done'), 30, () => calls++);
    await after(50, null);
    expect(calls).toBe(0);
  });
});

describe('settlesWithin', () => {
  it('is true when the work settles in time, either way', async () => {
    expect(await settlesWithin(after(5, 'done'), 200)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('boom')), 200)).toBe(true);
  });

  it('is false when the time is up first (a negative time: at once)', async () => {
    expect(await settlesWithin(new Promise(() => undefined), 10)).toBe(false);
    expect(await settlesWithin(new Promise(() => undefined), -5)).toBe(false);
  });
});

describe('sleep', () => {
  it('resolves after the time when nothing aborts it', async () => {
    const signal = new AbortController().signal;
    expect(await Promise.race([sleep(10, signal).then(() => 'slept'), after(5_000, 'still asleep')])).toBe('slept');
    expect(await Promise.race([sleep(10).then(() => 'slept'), after(5_000, 'still asleep')])).toBe('slept');
  });

  it('resolves at once when its signal aborts, before or meanwhile', async () => {
    const stop = new AbortController();
    const sleeping = sleep(60_000, stop.signal).then(() => 'woken');
    stop.abort();
    expect(await Promise.race([sleeping, after(5_000, 'still asleep')])).toBe('woken');
    expect(await Promise.race([sleep(60_000, AbortSignal.abort()).then(() => 'woken'), after(5_000, 'still asleep')])).toBe('woken');
  });

  it('never rejects, even when the abort carries a reason', async () => {
    const stop = new AbortController();
    const sleeping = sleep(60_000, stop.signal);
    stop.abort(new Error('shutting down'));
    await expect(sleeping).resolves.toBeUndefined();
  });
});
