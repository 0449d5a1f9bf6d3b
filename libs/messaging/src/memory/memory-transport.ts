import type { EventEnvelope, SubscriptionManifest } from '@shop/contracts';
import type { Logger } from 'pino';
import {
  TransientDeliveryError,
  TransportUnavailableError,
  isPermanentDeliveryError,
  isTransientDeliveryError,
  type ConsumerHandle,
  type DeadLetter,
  type OnPublishSettled,
  type PublishOutcome,
  type Subscription,
  type Transport,
} from '../transport/transport.js';
import { InMemoryDeadLetterStore, type DeadLetterStore } from './dead-letter-store.js';
import { InMemoryDeliveryRetryStore, type DeliveryRetryStore, type PendingRetry } from './delivery-retry-store.js';
import { Semaphore } from './semaphore.js';
import { messageOf, settlesWithin } from '@shop/shared-kernel';
import { WakeSignal } from '../wake-signal.js';

export interface MemoryTransportOptions {
  /** Which service takes which events. More can be declared later with `declareTopology` (merged). */
  readonly subscriptions?: SubscriptionManifest;
  /**
   * Publish nothing (`isReady()` false) until `open()`: the embedded platform opens it once every
   * context consumes, and `hold()`s it again before stopping them. Default: open at once.
   */
  readonly held?: boolean;
  /** Longest wait between two looks at a service's retry table (default 1 s). */
  readonly retryPollMs?: number;
  /** Wait before a retry that failed transiently (the subscriber's database was away) is tried again (default 1 s). */
  readonly transientRetryDelayMs?: number;
  /** Due retries taken per look (default 50). */
  readonly retryBatchSize?: number;
}

interface LiveSubscription {
  readonly subscription: Subscription;
  readonly limiter: Semaphore;
  readonly inFlight: Set<Promise<unknown>>;
  cancelled: boolean;
  paused: boolean;
}

/** A service's retry loop: one per service in this process, however many instances consume. */
interface RetryLoop {
  running: boolean;
  /** A new retry row, or stop, cuts the sleep short; one that comes during a pass cuts the next one. */
  readonly wake: WakeSignal;
  done: Promise<void>;
}

/** Stops a hold() from waiting for ever on a publish that is stuck in a handler. */
const HOLD_TIMEOUT_MS = 10_000;

/**
 * The embedded mode's broker, inside one process.
 *
 * Who gets an event is declared, not discovered: every service the subscription manifest lists for
 * its type must take it. Publishing resolves once each of them has either committed it, or recorded
 * it in its own database (a failed handler's retry row in `delivery_retry`, or a dead letter); only
 * then does the relay mark the outbox row sent. A declared service that is not consuming (not
 * started yet, stopped, paused) makes the publish fail transiently, so the row stays pending at the
 * producer and goes out again later; services that took the first copy absorb the next in their
 * inbox. A failed handler never holds the producer: the subscriber retries its rows itself, with its
 * backoff, and dead-letters them after the last attempt. A crash at any point loses nothing.
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private readonly live = new Map<string, LiveSubscription[]>();
  private readonly declared = new Map<string, Set<string>>();
  private readonly deadLetterStores = new Map<string, DeadLetterStore>();
  private readonly retryStores = new Map<string, DeliveryRetryStore>();
  private readonly retryLoops = new Map<string, RetryLoop>();
  private readonly publishing = new Set<Promise<unknown>>();
  private open_: boolean;
  private closed = false;
  private turn = 0;
  private readonly retryPollMs: number;
  private readonly transientRetryDelayMs: number;
  private readonly retryBatchSize: number;

  constructor(
    private readonly logger?: Logger,
    options: MemoryTransportOptions = {},
  ) {
    this.open_ = !options.held;
    this.retryPollMs = options.retryPollMs ?? 1_000;
    this.transientRetryDelayMs = options.transientRetryDelayMs ?? 1_000;
    this.retryBatchSize = options.retryBatchSize ?? 50;
    if (options.subscriptions) this.declare(options.subscriptions);
  }

  /** Where `service` keeps its dead letters (its own database, in the embedded mode). */
  attachDeadLetterStore(service: string, store: DeadLetterStore): void {
    this.deadLetterStores.set(service, store);
  }

  /** Where `service` keeps its failed deliveries between attempts (its own database, in the embedded mode). */
  attachRetryStore(service: string, store: DeliveryRetryStore): void {
    this.retryStores.set(service, store);
  }

  /** Adds the manifest's subscriptions to those already declared (every service declares the whole manifest). */
  async declareTopology(manifest: SubscriptionManifest): Promise<void> {
    this.declare(manifest);
  }

  isReady(): boolean {
    return this.open_ && !this.closed;
  }

  /** Starts publishing: once every context consumes, so that the first events find their subscribers. */
  open(): void {
    if (!this.closed) this.open_ = true;
  }

  /**
   * Stops publishing (relays see `isReady()` false and leave their rows pending) and waits, up to a
   * deadline, for the publishes in flight, so that consumers can be stopped after the relays.
   */
  async hold(timeoutMs = HOLD_TIMEOUT_MS): Promise<void> {
    this.open_ = false;
    await settlesWithin(Promise.allSettled(this.publishing), timeoutMs);
  }

  async publishBatch(envelopes: readonly EventEnvelope[], onSettled?: OnPublishSettled): Promise<PublishOutcome[]> {
    if (!this.isReady()) {
      const error = new TransportUnavailableError(this.closed ? 'memory transport is closed' : 'memory transport is not open for publishing (held)');
      return envelopes.map(() => ({ ok: false, error }));
    }
    const batch = Promise.all(
      envelopes.map((envelope, index) => {
        const outcome = this.publishOne(envelope);
        return onSettled ? outcome.then((settled) => (onSettled(index, settled), settled)) : outcome;
      }),
    );
    this.publishing.add(batch);
    try {
      return await batch;
    } finally {
      this.publishing.delete(batch);
    }
  }

  async consume(subscription: Subscription): Promise<ConsumerHandle> {
    const { service } = subscription;
    if (this.closed) throw new Error(`memory transport is closed: ${service} cannot consume`);
    const declaredTypes = this.declared.get(service);
    const undeclared = subscription.eventTypes.filter((type) => !declaredTypes?.has(type));
    if (undeclared.length > 0) {
      // Delivering to whoever happens to be consuming would lose events while the subscriber is down.
      throw new Error(
        `${service} subscribes to ${undeclared.join(', ')}, which the subscription manifest does not declare for it. ` +
          `The memory transport delivers only to declared subscribers (so that an event waits at its producer while its subscriber is down); ` +
          `add { service: '${service}', eventTypes: [...] } to the manifest (subscriptions in @shop/contracts, the MessagingModule's subscriptions option, or declareTopology).`,
      );
    }
    const active: LiveSubscription = { subscription, limiter: new Semaphore(subscription.prefetch), inFlight: new Set(), cancelled: false, paused: false };
    this.live.set(service, [...(this.live.get(service) ?? []), active]);
    this.startRetryLoop(service);
    return {
      pause: async () => {
        active.paused = true;
      },
      resume: async () => {
        active.paused = false;
        this.retryLoops.get(service)?.wake.notify();
      },
      cancel: async () => {
        if (active.cancelled) return;
        active.cancelled = true;
        const remaining = (this.live.get(service) ?? []).filter((s) => s !== active);
        if (remaining.length > 0) this.live.set(service, remaining);
        else {
          this.live.delete(service);
          await this.stopRetryLoop(service);
        }
        await Promise.allSettled([...active.inFlight]);
      },
    };
  }

  async list(service: string, limit = 100): Promise<DeadLetter[]> {
    return this.deadLettersOf(service).list(limit);
  }

  async depth(service: string): Promise<number> {
    return this.deadLettersOf(service).count();
  }

  /** Delivers the dead letters again, each as a first attempt: a failure goes back to the retry path. */
  async replay(service: string, messageIds?: readonly string[]): Promise<number> {
    if (!this.live.get(service)?.length) throw new Error(`${service} is not consuming: start it before replaying its dead letters`);
    const store = this.deadLettersOf(service);
    let replayed = 0;
    for (const letter of await store.find(messageIds)) {
      const failure = await this.offer(service, JSON.stringify(letter.envelope), letter.type, { replay: true });
      if (failure) throw failure;
      await store.removeOldest(letter.messageId);
      replayed++;
    }
    return replayed;
  }

  /** The failed deliveries `service` still has to retry (what its `delivery_retry` table holds). */
  async retryDepth(service: string): Promise<number> {
    return this.retriesOf(service).count();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.open_ = false;
    await Promise.allSettled([...this.retryLoops.keys()].map((service) => this.stopRetryLoop(service)));
    await Promise.allSettled([...this.live.values()].flatMap((instances) => instances.flatMap((s) => [...s.inFlight])));
  }

  private declare(manifest: SubscriptionManifest): void {
    for (const { service, eventTypes } of manifest) {
      const types = this.declared.get(service) ?? new Set<string>();
      for (const type of eventTypes) types.add(type);
      this.declared.set(service, types);
    }
  }

  private async publishOne(envelope: EventEnvelope): Promise<PublishOutcome> {
    // What a broker would carry: subscribers never share the publisher's objects.
    const wire = JSON.stringify(envelope);
    const services = [...this.declared].filter(([, types]) => types.has(envelope.type)).map(([service]) => service);
    const failures = (await Promise.all(services.map((service) => this.offer(service, wire, envelope.type)))).filter((f): f is Error => f !== undefined);
    if (failures.length === 0) return { ok: true };
    // A fault of the message outranks a subscriber that is merely away: it is what the relay counts.
    return { ok: false, error: failures.find((f) => !isTransientDeliveryError(f)) ?? failures[0]! };
  }

  /**
   * Hands one message to `service`: resolves to undefined once it is committed there or recorded
   * there for a retry (or as a dead letter), to the error otherwise.
   */
  private async offer(service: string, wire: string, type: string, options: { replay?: boolean } = {}): Promise<Error | undefined> {
    const target = this.instanceOf(service);
    if (!target) {
      const why = this.live.get(service)?.length ? 'is paused' : 'is not consuming (not started yet, or stopped)';
      return new TransientDeliveryError(`${service} is declared to consume ${type} but ${why}: the event stays pending at its producer`);
    }
    try {
      await this.attempt(target, wire, 1);
      return undefined;
    } catch (error) {
      if (isTransientDeliveryError(error)) return asError(error);
      try {
        await this.recordFailure(target.subscription, wire, 1, error, options);
        return undefined;
      } catch (storeError) {
        // The subscriber's database, not the message: it must not count towards the producer's poison limit.
        this.logger?.warn({ err: storeError, service, type }, 'could not record a failed delivery; it stays pending at its producer');
        return new TransientDeliveryError(`${service} could not record a failed delivery for a retry: ${messageOf(storeError)}`, { cause: storeError });
      }
    }
  }

  /** One instance of the service takes it (instances compete, as on one AMQP queue); a paused one never. */
  private instanceOf(service: string): LiveSubscription | undefined {
    const ready = (this.live.get(service) ?? []).filter((s) => !s.cancelled && !s.paused);
    return ready.length ? ready[this.turn++ % ready.length] : undefined;
  }

  private attempt(target: LiveSubscription, wire: string, attempt: number): Promise<void> {
    const { subscription } = target;
    const settled = target.limiter.use(async () => {
      // Checked once the slot is ours: the subscriber may have paused or stopped while this one waited.
      if (target.cancelled || this.closed) throw new TransientDeliveryError(`${subscription.service} stopped consuming before the message was handled`);
      if (target.paused) throw new TransientDeliveryError(`${subscription.service} is paused`);
      await subscription.handle({ envelope: JSON.parse(wire) as unknown, attempt });
    });
    target.inFlight.add(settled);
    void settled.finally(() => target.inFlight.delete(settled)).catch(() => undefined);
    return settled;
  }

  /**
   * After the `attempts`-th attempt failed: a retry row with its next time, or a dead letter. A
   * message the service has dead-lettered already is left at that (short of a replay): its producer
   * publishes it again while another subscriber is away, and each copy would add a letter.
   */
  private async recordFailure(subscription: Subscription, wire: string, attempts: number, error: unknown, options: { replay?: boolean } = {}): Promise<void> {
    const { service } = subscription;
    if (!options.replay) {
      const { id } = JSON.parse(wire) as { id?: unknown };
      if ((await this.deadLettersOf(service).find([typeof id === 'string' ? id : ''])).length > 0) return;
    }
    const delay = subscription.retry.delaysMs[attempts - 1];
    if (isPermanentDeliveryError(error) || delay === undefined) {
      await this.deadLettersOf(service).add(this.deadLetterOf(service, wire, error, attempts));
      this.logDeadLetter(service, wire, error, attempts);
      return;
    }
    const { id, type } = JSON.parse(wire) as { id?: unknown; type?: unknown };
    const nextAttemptAt = Date.now() + delay;
    await this.retriesOf(service).schedule({
      messageId: typeof id === 'string' ? id : '',
      type: typeof type === 'string' ? type : '',
      wire,
      attempts,
      nextAttemptAt,
      lastError: messageOf(error),
    });
    this.logger?.warn(
      { messageId: id, type, service, attempts, retryInMs: delay, error: messageOf(error) },
      'delivery failed; the subscriber retries it from its own table',
    );
    this.retryLoops.get(service)?.wake.notify();
  }

  private startRetryLoop(service: string): void {
    const current = this.retryLoops.get(service);
    if (current?.running) return;
    if (current) {
      // Still finishing its last pass (the service stopped consuming a moment ago): a second loop now
      // would retry the very rows that pass holds. Start once it is over, if the service still consumes.
      void current.done.then(() => {
        if (!this.closed && this.live.get(service)?.length) this.startRetryLoop(service);
      });
      return;
    }
    // Pending retries are rows in the subscriber's database: nothing to keep a process up for.
    const loop: RetryLoop = { running: true, wake: new WakeSignal({ keepsProcessAlive: false }), done: Promise.resolve() };
    loop.done = (async () => {
      while (loop.running) {
        const waitMs = await this.retryPass(service).catch((error: unknown) => {
          this.logger?.warn({ err: error, service }, 'retry pass failed; trying again shortly');
          return this.retryPollMs;
        });
        if (loop.running) await loop.wake.wait(waitMs);
      }
    })();
    this.retryLoops.set(service, loop);
  }

  private async stopRetryLoop(service: string): Promise<void> {
    const loop = this.retryLoops.get(service);
    if (!loop) return;
    loop.running = false;
    loop.wake.notify();
    // Kept in the map until its pass is over, so that a service consuming again waits for it.
    await loop.done;
    if (this.retryLoops.get(service) === loop) this.retryLoops.delete(service);
  }

  /** Retries the rows that are due; answers how long to sleep before the next look. */
  private async retryPass(service: string): Promise<number> {
    // Paused (its database is away) or stopping: the rows wait, their attempt numbers untouched.
    if (!this.instanceOf(service) || this.closed) return this.retryPollMs;
    const store = this.retriesOf(service);
    const due = await store.due(Date.now(), this.retryBatchSize);
    await Promise.all(due.map((row) => this.retryOne(service, store, row)));
    if (due.length === this.retryBatchSize) return 0;
    const next = await store.nextDueAt();
    return next === undefined ? this.retryPollMs : Math.min(this.retryPollMs, Math.max(0, next - Date.now()));
  }

  private async retryOne(service: string, store: DeliveryRetryStore, row: PendingRetry): Promise<void> {
    const target = this.instanceOf(service);
    if (!target) return;
    try {
      await this.attempt(target, row.wire, row.attempts + 1);
    } catch (error) {
      if (isTransientDeliveryError(error)) {
        await store.reschedule(row.messageId, row.attempts, Date.now() + this.transientRetryDelayMs, row.lastError);
        return;
      }
      const attempts = row.attempts + 1;
      const delay = target.subscription.retry.delaysMs[attempts - 1];
      if (isPermanentDeliveryError(error) || delay === undefined) {
        const letter = this.deadLetterOf(service, row.wire, error, attempts);
        await store.removeWith(row.messageId, () => this.deadLettersOf(service).add(letter));
        this.logDeadLetter(service, row.wire, error, attempts);
        return;
      }
      await store.reschedule(row.messageId, attempts, Date.now() + delay, messageOf(error));
      this.logger?.warn(
        { messageId: row.messageId, type: row.type, service, attempts, retryInMs: delay, error: messageOf(error) },
        'retried delivery failed again',
      );
      return;
    }
    await store.remove(row.messageId);
  }

  private deadLetterOf(service: string, wire: string, error: unknown, attempts: number): DeadLetter {
    const envelope = JSON.parse(wire) as { id?: string; type?: string };
    return {
      service,
      messageId: String(envelope.id ?? ''),
      type: String(envelope.type ?? ''),
      envelope,
      error: messageOf(error),
      attempts,
      failedAt: new Date().toISOString(),
    };
  }

  private logDeadLetter(service: string, wire: string, error: unknown, attempts: number): void {
    const { id, type } = JSON.parse(wire) as { id?: unknown; type?: unknown };
    this.logger?.error({ messageId: id, type, service, attempts, error: messageOf(error) }, 'message dead-lettered');
  }

  private deadLettersOf(service: string): DeadLetterStore {
    let store = this.deadLetterStores.get(service);
    if (!store) {
      store = new InMemoryDeadLetterStore();
      this.deadLetterStores.set(service, store);
    }
    return store;
  }

  private retriesOf(service: string): DeliveryRetryStore {
    let store = this.retryStores.get(service);
    if (!store) {
      store = new InMemoryDeliveryRetryStore();
      this.retryStores.set(service, store);
    }
    return store;
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
