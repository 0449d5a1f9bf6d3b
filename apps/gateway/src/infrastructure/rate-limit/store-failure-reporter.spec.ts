import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '@shop/observability';
import { StoreFailureReporter } from './store-failure-reporter.js';

describe('StoreFailureReporter', () => {
  it('counts every failure but logs at most one warning per interval, with how many it left out', () => {
    const warn = vi.fn();
    const counted = vi.fn();
    let now = 0;
    const reporter = new StoreFailureReporter({ warn } as unknown as Logger, { rateLimitStoreFailed: counted }, 30_000, () => now);
    for (let i = 0; i < 100; i += 1) reporter.failed('requests', new Error('down'));
    reporter.connectionFailed(new Error('ECONNREFUSED'));
    expect(counted).toHaveBeenCalledTimes(100);
    expect(counted).toHaveBeenCalledWith('requests');
    expect(warn).toHaveBeenCalledTimes(1);
    now = 30_000;
    reporter.failed('logins', new Error('down'));
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toMatchObject({ counter: 'logins', unloggedSinceLastWarning: 100 });
  });
});
