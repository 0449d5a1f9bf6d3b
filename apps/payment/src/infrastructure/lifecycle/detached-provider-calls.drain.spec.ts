import { capturingLogger } from '@shop/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAIN_GRACE_MS, DetachedProviderCallsDrain } from './detached-provider-calls.drain.js';

/** The refunds' first tries as the drain sees them: settled once `finish` is called (or failed by `fail`). */
function firstTries() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const settled = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { requestRefund: { settled: () => settled }, finish, fail };
}

describe('DetachedProviderCallsDrain', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Starts the stop; `stopped()` says whether it has returned. */
  function stop(requestRefund: { settled: () => Promise<void> }) {
    const log = capturingLogger({ service: 'payment' });
    let done = false;
    const stopping = new DetachedProviderCallsDrain(requestRefund, log.logger).beforeApplicationShutdown().then(() => (done = true));
    return { log, stopping, stopped: () => done };
  }

  it('holds the stop (the data source open) until the refunds’ first tries have settled', async () => {
    const tries = firstTries();
    const { log, stopping, stopped } = stop(tries.requestRefund);
    await vi.advanceTimersByTimeAsync(DRAIN_GRACE_MS - 1);
    expect(stopped()).toBe(false);
    tries.finish();
    await stopping;
    expect(log.lines).toEqual([]);
  });

  it('does not fail the stop when a first try failed (the retries take it over)', async () => {
    const tries = firstTries();
    const { log, stopping } = stop(tries.requestRefund);
    tries.fail(new Error('provider down'));
    await stopping;
    expect(log.lines).toEqual([]);
  });

  it('gives up after DRAIN_GRACE_MS, saying so at warn, when a try hangs', async () => {
    const tries = firstTries();
    const { log, stopping, stopped } = stop(tries.requestRefund);
    await vi.advanceTimersByTimeAsync(DRAIN_GRACE_MS);
    await stopping;
    expect(stopped()).toBe(true);
    expect(log.lines).toEqual([expect.objectContaining({ level: 'warn', graceMs: DRAIN_GRACE_MS })]);
  });
});
