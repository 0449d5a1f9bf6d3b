import { JobLeaseLostError, type JobRun } from '@shop/scheduler';
import { newId } from '@shop/shared-kernel';
import { capturingLogger } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { orderApplicationFixture } from '../../application/testing/order-application.fixture.js';
import { loadOrderConfig } from '../order.config.js';
import { ExpireOverdueOrdersJob, MAX_RETRY_DELAY_MS } from './expire-overdue-orders.job.js';

const SECOND = 1_000;
const PAYMENT_TIMEOUT_MS = 15 * 60_000;

/** The job over the in-memory adapters, batches of `batchSize`; the orders in `poison` fail to load (as a row the code cannot read would). */
function setUp(batchSize = 2) {
  const fixture = orderApplicationFixture();
  const poison = new Set<string>();
  const attempts: string[] = [];
  const limits: number[] = [];
  const { orders } = fixture;
  const findForUpdate = orders.findForUpdate.bind(orders);
  orders.findForUpdate = async (orderId) => {
    attempts.push(orderId);
    if (poison.has(orderId)) throw new Error(`order ${orderId}: a row the code cannot read`);
    return findForUpdate(orderId);
  };
  const overdue = orders.overdue.bind(orders);
  orders.overdue = (now, limit) => {
    limits.push(limit);
    return overdue(now, limit);
  };
  const log = capturingLogger({ service: 'order' });
  const job = new ExpireOverdueOrdersJob(fixture.handlers.expireOverdue, log.logger, { ...loadOrderConfig({}), timeoutBatchSize: batchSize }, fixture.clock);
  const jobRun = (transaction: JobRun['transaction'] = (work) => work()): JobRun => ({ batchSize, signal: new AbortController().signal, transaction });
  /** An order awaiting payment (no coupon, no points), placed now, then the clock a millisecond on (so the next is due later). */
  const awaitingPayment = async (): Promise<string> => {
    const orderId = await fixture.placeOrder(newId());
    fixture.clock.advance(1);
    return orderId;
  };
  return { fixture, poison, attempts, limits, log, job, jobRun, awaitingPayment };
}

describe('ExpireOverdueOrdersJob', () => {
  it('skips orders that keep failing, so that a batch of them does not starve a healthy order due later', async () => {
    const { fixture, poison, attempts, job, jobRun, awaitingPayment, log } = setUp(2);
    const failing = [await awaitingPayment(), await awaitingPayment()];
    for (const orderId of failing) poison.add(orderId);
    const healthy = await awaitingPayment();
    fixture.clock.advance(PAYMENT_TIMEOUT_MS);

    // The two oldest fill the batch and fail: nothing handled, so the scheduler waits an interval.
    expect(await job.run(jobRun())).toBe(0);
    expect(attempts).toEqual(failing);
    expect(fixture.statusOf(healthy)).toBe('AWAITING_PAYMENT');
    expect(log.lines.filter((line) => line.level === 'warn').map((line) => [line.orderId, line.retryDelayMs])).toEqual([
      [failing[0], SECOND],
      [failing[1], SECOND],
    ]);

    // The next run, within their delay: they are left out and the healthy one is cancelled.
    attempts.length = 0;
    fixture.clock.advance(SECOND / 2);
    expect(await job.run(jobRun())).toBe(1);
    expect(attempts).toEqual([healthy]);
    expect(fixture.statusOf(healthy)).toBe('CANCELLED');
    expect(fixture.orders.rowOf(healthy)?.cancelReason).toBe('PAYMENT_TIMEOUT');
  });

  it('tries a failing order again after 1 s, 2 s, 4 s, … at most 5 min; once it heals it is cancelled', async () => {
    const { fixture, poison, attempts, job, jobRun, awaitingPayment } = setUp(2);
    const failing = await awaitingPayment();
    poison.add(failing);
    fixture.clock.advance(PAYMENT_TIMEOUT_MS);

    // A run every second for 1,100 s: the seconds at which the order was tried.
    const triedAt: number[] = [];
    for (let second = 0; second <= 1_100; second++) {
      attempts.length = 0;
      await job.run(jobRun());
      if (attempts.includes(failing)) triedAt.push(second);
      fixture.clock.advance(SECOND);
    }
    // Delays 1, 2, 4, … 256 s, then capped at 300 s.
    expect(MAX_RETRY_DELAY_MS).toBe(300 * SECOND);
    expect(triedAt).toEqual([0, 1, 3, 7, 15, 31, 63, 127, 255, 511, 811]);

    poison.delete(failing);
    fixture.clock.advance((1_111 - 1_101) * SECOND);
    expect(await job.run(jobRun())).toBe(1);
    expect(fixture.statusOf(failing)).toBe('CANCELLED');
  });

  it('forgets a failed order once it is no longer overdue (asks for a batch plus the skipped ones until then)', async () => {
    const { fixture, poison, limits, job, jobRun, awaitingPayment } = setUp(2);
    const failing = await awaitingPayment();
    poison.add(failing);
    fixture.clock.advance(PAYMENT_TIMEOUT_MS);
    await job.run(jobRun());

    // Decided meanwhile (the customer's cancel, say): no longer overdue.
    poison.delete(failing);
    await fixture.handlers.cancelOrder.execute({ orderId: failing, userId: fixture.orders.rowOf(failing)!.userId });
    await job.run(jobRun());
    await job.run(jobRun());
    expect(limits).toEqual([2, 3, 2]);
  });

  it('lets a lost lease through and does not hold it against the order: the next run tries it at once', async () => {
    const { fixture, attempts, job, jobRun, awaitingPayment } = setUp(2);
    const orderId = await awaitingPayment();
    fixture.clock.advance(PAYMENT_TIMEOUT_MS);

    await expect(job.run(jobRun(() => Promise.reject(new JobLeaseLostError('order.expire-overdue'))))).rejects.toBeInstanceOf(JobLeaseLostError);
    expect(await job.run(jobRun())).toBe(1);
    expect(attempts).toEqual([orderId]);
    expect(fixture.statusOf(orderId)).toBe('CANCELLED');
  });
});
