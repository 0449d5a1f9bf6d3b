import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, SubscriptionManifest } from '@shop/contracts';
import { anEnvelope, sleep, uniqueServiceName, waitFor } from '@shop/testing';
import { DepositMadeV1, depositSubscriptions, startDepositService, type RunningDepositService } from '../../test/support/deposit-service.js';
import { TransientDeliveryError, isTransientDeliveryError, isTransportUnavailableError, type Delivery } from '../transport/transport.js';
import { MemoryTransport } from './memory-transport.js';

/**
 * The embedded mode's delivery guarantees on SQLite + the memory transport: who gets an event is
 * declared in the manifest, an absent subscriber keeps the producer's row pending, and a failing
 * subscriber retries from its own table without holding its producer.
 */
const sqliteDir = mkdtempSync(join(tmpdir(), 'shop-memory-transport-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const envelope = (type: string, payload: unknown = {}): EventEnvelope => anEnvelope(type, { payload });

describe('the memory transport between services on SQLite', () => {
  const running: RunningDepositService[] = [];
  const transports: MemoryTransport[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });

  function setup(subscribers: readonly string[], retryDelaysMs: readonly number[] = [50, 100]) {
    const transport = new MemoryTransport(undefined, { retryPollMs: 50 });
    transports.push(transport);
    const manifest: SubscriptionManifest = depositSubscriptions(subscribers, retryDelaysMs);
    const common = { database: { sqliteDir }, transport: () => transport, ownsTransport: false, subscriptions: manifest };
    const start = async (service: string, role: 'producer' | 'subscriber') => {
      const instance = await startDepositService({
        ...common,
        service,
        retry: { delaysMs: retryDelaysMs },
        // The producer only publishes; subscribers only consume.
        consume: role === 'subscriber',
        runRelay: role === 'producer',
        relay: { pollIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 200 },
      });
      running.push(instance);
      return instance;
    };
    return { transport, start };
  }

  const stop = async (instance: RunningDepositService) => {
    running.splice(running.indexOf(instance), 1);
    await instance.close();
  };

  it('keeps an event for a subscriber that has not started yet pending, and delivers it once it starts', async () => {
    const subscriber = uniqueServiceName();
    const { start } = setup([subscriber]);
    const producer = await start(uniqueServiceName(), 'producer');
    const accountId = randomUUID();
    await producer.deposits.deposit(accountId, 5);
    // The relay has tried and failed at least once: the row is still there.
    await waitFor(async () => /shop_outbox_publish_failures_total\{[^}]*\} [1-9]/.test(await producer.metrics.text()), { what: 'a failed publish' });
    expect(await producer.deposits.pendingOutboxRows()).toBe(1);

    const late = await start(subscriber, 'subscriber');
    await waitFor(async () => (await late.deposits.effects()).length === 1, { what: 'the late subscriber to handle the event' });
    await waitFor(async () => (await producer.deposits.pendingOutboxRows()) === 0, { what: 'the row to be marked sent' });
    expect((await late.deposits.effects())[0]).toMatchObject({ account_id: accountId, amount: 5 });
  });

  it('loses nothing for a subscriber that stopped before the publish: it gets the event when it comes back', async () => {
    const subscriberName = uniqueServiceName();
    const { start } = setup([subscriberName]);
    const producer = await start(uniqueServiceName(), 'producer');
    const subscriber = await start(subscriberName, 'subscriber');
    await producer.deposits.deposit(randomUUID(), 1);
    await waitFor(async () => (await subscriber.deposits.effects()).length === 1, { what: 'the first event' });

    await stop(subscriber);
    await producer.deposits.deposit(randomUUID(), 2);
    await sleep(400);
    expect(await producer.deposits.pendingOutboxRows()).toBe(1);

    const back = await start(subscriberName, 'subscriber');
    await waitFor(async () => (await back.deposits.effects()).length === 2, { what: 'the event published while the subscriber was away' });
    await waitFor(async () => (await producer.deposits.pendingOutboxRows()) === 0, { what: 'the row to be marked sent' });
    expect((await back.deposits.effects()).map((e) => e.amount).sort()).toEqual([1, 2]);
  });

  it('does not stall the producer on a failing handler: the others flow while the subscriber retries from its own table, then dead-letters', async () => {
    const failing = uniqueServiceName();
    const healthy = uniqueServiceName();
    const { transport, start } = setup([failing, healthy], [3_000, 200]);
    const producer = await start(uniqueServiceName(), 'producer');
    const failingSubscriber = await start(failing, 'subscriber');
    const healthySubscriber = await start(healthy, 'subscriber');
    failingSubscriber.behaviour.poisoned.add(13);
    failingSubscriber.behaviour.failuresLeft.set(3, 1);

    const startedAt = Date.now();
    await producer.deposits.deposit(randomUUID(), 13);
    await producer.deposits.deposit(randomUUID(), 3);
    for (let i = 0; i < 5; i++) await producer.deposits.deposit(randomUUID(), 100 + i);
    await waitFor(async () => (await healthySubscriber.deposits.effects()).length === 7, { what: 'the healthy subscriber to get every event' });
    await waitFor(async () => (await producer.deposits.pendingOutboxRows()) === 0, { what: 'the producer to mark every row sent' });
    // All of it before the failing subscriber's first retry is even due.
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(await transport.retryDepth(failing)).toBe(2);
    expect(await rowsOf(failingSubscriber, 'SELECT message_id, attempts FROM delivery_retry')).toHaveLength(2);
    expect((await failingSubscriber.deposits.effects()).map((e) => e.amount).sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 104]);

    // 3 fails once and then succeeds on its retry; 13 uses up its three attempts and is dead-lettered.
    await waitFor(async () => (await failingSubscriber.deposits.effects()).some((e) => e.amount === 3), {
      what: 'the retried event to succeed',
      timeoutMs: 5_000,
    });
    await waitFor(async () => (await transport.depth(failing)) === 1, { what: 'the poisoned event in the dead letters', timeoutMs: 8_000 });
    const [letter] = await transport.list(failing);
    expect(letter).toMatchObject({ type: DepositMadeV1.type, attempts: 3 });
    expect(letter!.error).toMatch(/poisoned/);
    expect(await transport.retryDepth(failing)).toBe(0);
    expect(await rowsOf(failingSubscriber, 'SELECT seq FROM dead_letter')).toHaveLength(1);
    expect(await healthySubscriber.transport.depth(healthy)).toBe(0);
  });

  it('keeps a replayed dead letter in dead_letter when its handler still fails', async () => {
    const subscriberName = uniqueServiceName();
    const { transport, start } = setup([subscriberName], []);
    const producer = await start(uniqueServiceName(), 'producer');
    const subscriber = await start(subscriberName, 'subscriber');
    subscriber.behaviour.poisoned.add(9);
    await producer.deposits.deposit(randomUUID(), 9);
    await waitFor(async () => (await transport.depth(subscriberName)) === 1, { what: 'the dead letter' });

    expect(await transport.replay(subscriberName)).toBe(1);
    expect(await rowsOf(subscriber, 'SELECT message_id FROM dead_letter')).toHaveLength(1);
    expect(await transport.depth(subscriberName)).toBe(1);
  });

  it('keeps retrying after the subscriber restarts: the retry rows are in its database', async () => {
    const subscriberName = uniqueServiceName();
    const { transport, start } = setup([subscriberName], [600, 600]);
    const producer = await start(uniqueServiceName(), 'producer');
    const subscriber = await start(subscriberName, 'subscriber');
    subscriber.behaviour.poisoned.add(7);
    await producer.deposits.deposit(randomUUID(), 7);
    await waitFor(async () => (await rowsOf(subscriber, 'SELECT message_id FROM delivery_retry')).length === 1, { what: 'the failed delivery recorded' });
    await waitFor(async () => (await producer.deposits.pendingOutboxRows()) === 0, { what: 'the producer to move on' });
    await stop(subscriber);

    // A new process: nothing about the failure is left in memory, the handler works now.
    const restarted = await start(subscriberName, 'subscriber');
    await waitFor(async () => (await restarted.deposits.effects()).length === 1, { what: 'the retry after the restart', timeoutMs: 5_000 });
    expect([...restarted.behaviour.attemptsSeen.values()]).toEqual([1]);
    await waitFor(async () => (await transport.retryDepth(subscriberName)) === 0, { what: 'the retry row to be removed' });
    expect(await transport.depth(subscriberName)).toBe(0);
  });
});

const rowsOf = (instance: RunningDepositService, sql: string): Promise<unknown[]> => instance.transactions.dataSource.query(sql);

describe('the memory transport', () => {
  const type = DepositMadeV1.type;
  const transports: MemoryTransport[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });
  const transportFor = (manifest: SubscriptionManifest, options: { held?: boolean } = {}) => {
    const transport = new MemoryTransport(undefined, { subscriptions: manifest, retryPollMs: 20, transientRetryDelayMs: 50, ...options });
    transports.push(transport);
    return transport;
  };
  const subscription = (service: string, handle: (delivery: Delivery) => Promise<void>, delaysMs: readonly number[] = [50]) => ({
    service,
    eventTypes: [type],
    prefetch: 4,
    retry: { delaysMs },
    handle,
  });

  it('refuses a subscription the manifest does not declare, saying which and why', async () => {
    const transport = transportFor(depositSubscriptions(['declared']));
    await expect(transport.consume(subscription('stranger', async () => undefined))).rejects.toThrow(
      /stranger subscribes to test\.deposit-made\.v1, which the subscription manifest does not declare for it.*delivers only to declared subscribers/,
    );
    await transport.declareTopology(depositSubscriptions(['stranger']));
    await expect(transport.consume(subscription('stranger', async () => undefined))).resolves.toBeDefined();
  });

  it('publishes nothing until opened, and stops publishing on hold', async () => {
    const transport = transportFor(depositSubscriptions(['sink']), { held: true });
    const seen: string[] = [];
    await transport.consume(subscription('sink', async ({ envelope }) => void seen.push((envelope as EventEnvelope).id)));
    expect(transport.isReady()).toBe(false);
    const [refused] = await transport.publishBatch([envelope(type)]);
    expect(refused?.ok).toBe(false);
    expect(!refused?.ok && isTransportUnavailableError(refused.error)).toBe(true);
    expect(seen).toEqual([]);

    transport.open();
    expect(transport.isReady()).toBe(true);
    expect((await transport.publishBatch([envelope(type)]))[0]).toEqual({ ok: true });
    expect(seen).toHaveLength(1);

    await transport.hold();
    expect(transport.isReady()).toBe(false);
  });

  it('fails deliveries to a paused subscription transiently at once, holds its retries while paused, and resumes both', async () => {
    const transport = transportFor(depositSubscriptions(['pausable']));
    const attempts: number[] = [];
    let failNext = false;
    const handle = await transport.consume(
      subscription(
        'pausable',
        async ({ attempt }) => {
          attempts.push(attempt);
          if (failNext) {
            failNext = false;
            throw new Error('fails once');
          }
        },
        [100],
      ),
    );

    await handle.pause();
    await handle.pause(); // idempotent
    const [outcome] = await transport.publishBatch([envelope(type)]);
    expect(outcome?.ok).toBe(false);
    expect(!outcome?.ok && isTransientDeliveryError(outcome.error)).toBe(true);
    expect(attempts).toEqual([]);

    await handle.resume();
    expect((await transport.publishBatch([envelope(type)]))[0]).toEqual({ ok: true });
    expect(attempts).toEqual([1]);

    // A failure while running: recorded for a retry; the retry waits while paused.
    failNext = true;
    expect((await transport.publishBatch([envelope(type)]))[0]).toEqual({ ok: true });
    expect(await transport.retryDepth('pausable')).toBe(1);
    await handle.pause();
    await sleep(400);
    expect(attempts).toEqual([1, 1]);
    await handle.resume();
    await waitFor(() => attempts.length === 3, { what: 'the retry after resume', timeoutMs: 2_000 });
    expect(attempts).toEqual([1, 1, 2]);
    await waitFor(async () => (await transport.retryDepth('pausable')) === 0, { what: 'the retry row to be removed' });
  });

  it('counts no attempt for a transient handler failure: the publish fails with it, and a retry keeps its attempt number', async () => {
    const transport = transportFor(depositSubscriptions(['flaky']));
    const attempts: number[] = [];
    const script: Array<'ok' | 'fail' | 'transient'> = ['transient', 'fail', 'transient', 'ok'];
    await transport.consume(
      subscription(
        'flaky',
        async ({ attempt }) => {
          attempts.push(attempt);
          const step = script.shift();
          if (step === 'transient') throw new TransientDeliveryError('SQLITE_BUSY: database is locked');
          if (step === 'fail') throw new Error('handler bug');
        },
        [50, 50],
      ),
    );
    const message = envelope(type);
    const [first] = await transport.publishBatch([message]);
    expect(first?.ok).toBe(false);
    expect(!first?.ok && first.error.message).toMatch(/SQLITE_BUSY/);
    expect(await transport.retryDepth('flaky')).toBe(0);

    // The relay publishes it again: a real failure now (attempt 1), then a transient one on the retry
    // (still attempt 2 the next time), then success.
    expect((await transport.publishBatch([message]))[0]).toEqual({ ok: true });
    await waitFor(() => script.length === 0, { what: 'the retries', timeoutMs: 3_000 });
    await waitFor(async () => (await transport.retryDepth('flaky')) === 0, { what: 'the retry row to be removed' });
    expect(attempts).toEqual([1, 1, 2, 2]);
    expect(await transport.depth('flaky')).toBe(0);
  });

  it('keeps a replayed dead letter whose handler fails for good again: one letter left, not none', async () => {
    const transport = transportFor(depositSubscriptions(['doomed']));
    const attempts: number[] = [];
    await transport.consume(
      subscription(
        'doomed',
        async ({ attempt }) => {
          attempts.push(attempt);
          throw new Error('still broken');
        },
        [],
      ),
    );
    const message = envelope(type);
    expect((await transport.publishBatch([message]))[0]).toEqual({ ok: true });
    expect(await transport.depth('doomed')).toBe(1);

    // The replay dead-letters it anew; removing the replayed letter must not take the new one with it.
    expect(await transport.replay('doomed')).toBe(1);
    expect(attempts).toEqual([1, 1]);
    expect((await transport.list('doomed')).map((letter) => letter.messageId)).toEqual([message.id]);
    expect(await transport.replay('doomed', [message.id])).toBe(1);
    expect(await transport.depth('doomed')).toBe(1);
  });

  it('never runs two retry loops for one service: consuming again while the last pass still runs a retry waits for it', async () => {
    const transport = transportFor(depositSubscriptions(['restarting']));
    const attempts: number[] = [];
    let releaseHungRetry!: () => void;
    const hungRetry = new Promise<void>((resolve) => (releaseHungRetry = resolve));
    const handle = await transport.consume(
      subscription(
        'restarting',
        async ({ attempt }) => {
          attempts.push(attempt);
          if (attempt === 1) throw new Error('fails once');
          if (attempts.length === 2) await hungRetry;
        },
        [20, 20],
      ),
    );
    expect((await transport.publishBatch([envelope(type)]))[0]).toEqual({ ok: true });
    await waitFor(() => attempts.length === 2, { what: 'the retry to start', timeoutMs: 2_000 });

    // The service stops consuming and starts again while its retry loop's pass still runs that retry.
    const cancelled = handle.cancel();
    await transport.consume(subscription('restarting', async ({ attempt }) => void attempts.push(attempt), [20, 20]));
    await sleep(300);
    expect(attempts).toEqual([1, 2]);

    releaseHungRetry();
    await cancelled;
    await waitFor(async () => (await transport.retryDepth('restarting')) === 0, { what: 'the retry row to be removed' });
    expect(attempts).toEqual([1, 2]);
  });

  it('dead-letters a message once however often its producer publishes it again while another subscriber is away', async () => {
    const transport = transportFor(depositSubscriptions(['broken', 'away']));
    await transport.consume(
      subscription(
        'broken',
        async () => {
          throw new Error('broken handler');
        },
        [],
      ),
    );
    const message = envelope(type);
    for (let i = 0; i < 3; i++) {
      const [outcome] = await transport.publishBatch([message]);
      expect(!outcome?.ok && isTransientDeliveryError(outcome.error)).toBe(true);
    }
    expect(await transport.depth('broken')).toBe(1);
    // A replay still dead-letters it anew when it fails again.
    expect(await transport.replay('broken')).toBe(1);
    expect(await transport.depth('broken')).toBe(1);
  });

  it('makes a publish fail while a declared subscriber is absent, and succeed with nobody declared', async () => {
    const transport = transportFor(depositSubscriptions(['absent']));
    const [outcome] = await transport.publishBatch([envelope(type)]);
    expect(!outcome?.ok && outcome.error.message).toMatch(/absent is declared to consume test\.deposit-made\.v1 but is not consuming/);
    expect((await transport.publishBatch([envelope('user.registered.v1')]))[0]).toEqual({ ok: true });
  });
});
