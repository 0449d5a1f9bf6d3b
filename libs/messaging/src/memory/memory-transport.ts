import type { EventEnvelope } from '@shop/contracts';
import type { Logger } from 'pino';
import {
  PermanentDeliveryError,
  TransportUnavailableError,
  type ConsumerHandle,
  type DeadLetter,
  type PublishOutcome,
  type Subscription,
  type Transport,
} from '../transport/transport.js';
import { InMemoryDeadLetterStore, type DeadLetterStore } from './dead-letter-store.js';
import { Semaphore } from './semaphore.js';

interface ActiveSubscription {
  readonly subscription: Subscription;
  readonly limiter: Semaphore;
  readonly inFlight: Set<Promise<void>>;
  cancelled: boolean;
}

class SubscriptionCancelled extends Error {
  constructor(service: string) {
    super(`${service} stopped consuming before the message was settled`);
  }
}

/**
 * The embedded mode's broker, inside one process. Publishing resolves only after every subscriber
 * has committed the message, or has stored it as a dead letter in its own database: the relay marks
 * the outbox row sent only then, so a crash at any point leaves the row pending and it is delivered
 * again (the inboxes absorb the copies). Retries use the subscription's backoff, as on AMQP.
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private readonly subscriptions = new Set<ActiveSubscription>();
  private readonly deadLetterStores = new Map<string, DeadLetterStore>();
  private closed = false;
  private turn = 0;

  constructor(private readonly logger?: Logger) {}

  /** Where `service` keeps its dead letters (its own database, in the embedded mode). */
  attachDeadLetterStore(service: string, store: DeadLetterStore): void {
    this.deadLetterStores.set(service, store);
  }

  isReady(): boolean {
    return !this.closed;
  }

  async publishBatch(envelopes: readonly EventEnvelope[]): Promise<PublishOutcome[]> {
    if (this.closed) return envelopes.map(() => ({ ok: false, error: new TransportUnavailableError('memory transport is closed') }));
    return Promise.all(envelopes.map((envelope) => this.publishOne(envelope)));
  }

  async consume(subscription: Subscription): Promise<ConsumerHandle> {
    const active: ActiveSubscription = { subscription, limiter: new Semaphore(subscription.prefetch), inFlight: new Set(), cancelled: false };
    this.subscriptions.add(active);
    return {
      // Placeholders until the pause/resume behaviour lands (issue 6, items 1 and 3).
      pause: () => Promise.reject(new Error('pause: not implemented yet')),
      resume: () => Promise.reject(new Error('resume: not implemented yet')),
      cancel: async () => {
        active.cancelled = true;
        this.subscriptions.delete(active);
        await Promise.allSettled([...active.inFlight]);
      },
    };
  }

  async list(service: string, limit = 100): Promise<DeadLetter[]> {
    return this.storeOf(service).list(limit);
  }

  async depth(service: string): Promise<number> {
    return this.storeOf(service).count();
  }

  async replay(service: string, messageIds?: readonly string[]): Promise<number> {
    const instances = [...this.subscriptions].filter((s) => s.subscription.service === service);
    if (instances.length === 0) throw new Error(`${service} is not consuming: start it before replaying its dead letters`);
    const store = this.storeOf(service);
    let replayed = 0;
    for (const letter of await store.find(messageIds)) {
      await this.deliver(instances[this.turn++ % instances.length]!, JSON.stringify(letter.envelope));
      await store.remove(letter.messageId);
      replayed++;
    }
    return replayed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].flatMap((s) => [...s.inFlight]));
  }

  private async publishOne(envelope: EventEnvelope): Promise<PublishOutcome> {
    // What a broker would carry: subscribers never share the publisher's objects.
    const wire = JSON.stringify(envelope);
    try {
      const targets = this.targetsOf(envelope.type);
      await Promise.all(targets.map((target) => this.deliver(target, wire)));
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  /**
   * One subscription per service gets each message: instances of one service compete for its queue,
   * as they do on AMQP, while different services each get a copy.
   */
  private targetsOf(type: string): ActiveSubscription[] {
    const byService = new Map<string, ActiveSubscription[]>();
    for (const active of this.subscriptions) {
      if (!active.subscription.eventTypes.includes(type)) continue;
      byService.set(active.subscription.service, [...(byService.get(active.subscription.service) ?? []), active]);
    }
    return [...byService.values()].map((instances) => instances[this.turn++ % instances.length]!);
  }

  private deliver(target: ActiveSubscription, wire: string): Promise<void> {
    const settled = this.deliverWithRetries(target, wire);
    target.inFlight.add(settled);
    void settled.finally(() => target.inFlight.delete(settled)).catch(() => undefined);
    return settled;
  }

  private async deliverWithRetries(target: ActiveSubscription, wire: string): Promise<void> {
    const { subscription } = target;
    for (let attempt = 1; ; attempt++) {
      if (target.cancelled || this.closed) throw new SubscriptionCancelled(subscription.service);
      try {
        await target.limiter.use(() => subscription.handle({ envelope: JSON.parse(wire) as unknown, attempt }));
        return;
      } catch (error) {
        const delay = subscription.retry.delaysMs[attempt - 1];
        if (error instanceof PermanentDeliveryError || delay === undefined) {
          await this.deadLetter(subscription.service, wire, error, attempt);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async deadLetter(service: string, wire: string, error: unknown, attempts: number): Promise<void> {
    const envelope = JSON.parse(wire) as { id?: string; type?: string };
    const letter: DeadLetter = {
      service,
      messageId: String(envelope.id ?? ''),
      type: String(envelope.type ?? ''),
      envelope,
      error: error instanceof Error ? error.message : String(error),
      attempts,
      failedAt: new Date().toISOString(),
    };
    await this.storeOf(service).add(letter);
    this.logger?.error({ messageId: letter.messageId, type: letter.type, service, attempts, error: letter.error }, 'message dead-lettered');
  }

  private storeOf(service: string): DeadLetterStore {
    let store = this.deadLetterStores.get(service);
    if (!store) {
      store = new InMemoryDeadLetterStore();
      this.deadLetterStores.set(service, store);
    }
    return store;
  }
}
