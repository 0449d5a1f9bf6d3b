import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

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
