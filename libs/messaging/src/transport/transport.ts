import { DEFAULT_RETRY_DELAYS_MS, type EventEnvelope, type SubscriptionManifest } from '@shop/contracts';

// The exchange and queue names are the contracts' (the AsyncAPI document names them from there too).
export { EVENTS_EXCHANGE, deadLetterQueueNameOf, queueNameOf } from '@shop/contracts';

export type PublishOutcome = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/** Hears the outcome of the envelope at `index` of a batch once it is known. Must not throw. */
export type OnPublishSettled = (index: number, outcome: PublishOutcome) => void;

/**
 * One received message before it is trusted. `envelope` is whatever the wire carried, rebuilt into
 * envelope shape; the consumer pipeline validates it against the schema registry.
 */
export interface Delivery {
  readonly envelope: unknown;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
}

export interface RetryPolicy {
  /** Delay before retry n (n = 1…): `delaysMs.length + 1` attempts in all, then the DLQ. */
  readonly delaysMs: readonly number[];
}

/** One source with the manifest's default: every service declares the others' retry queues from it. */
export const defaultRetryPolicy: RetryPolicy = { delaysMs: DEFAULT_RETRY_DELAYS_MS };

/** A failure that retrying cannot fix (schema violation, unknown type): goes to the DLQ at once. */
export class PermanentDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentDeliveryError';
  }
}

/** Matches by name too, in case two copies of the messaging module are loaded (dist and src). */
export const isPermanentDeliveryError = (error: unknown): boolean => error instanceof Error && error.name === 'PermanentDeliveryError';

/**
 * The delivery could not be handled because something it needs is unreachable (the service's
 * database: connection refused or reset, pool timeout, SQLSTATE 08xxx / 57P01-57P03, SQLITE_BUSY).
 * Not the message's fault: it never uses up an attempt. The transport gives the delivery back
 * uncounted (AMQP: requeue; memory: the producer's row stays pending or the retry keeps its time).
 */
export class TransientDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientDeliveryError';
  }
}

/** Matches by name too, in case two copies of the messaging module are loaded (dist and src). */
export const isTransientDeliveryError = (error: unknown): boolean => error instanceof Error && error.name === 'TransientDeliveryError';

/** A `mandatory` publish that the broker returned: no queue is bound for its routing key. */
export class UnroutableError extends Error {
  constructor(
    readonly eventType: string,
    message = `unroutable: no queue is bound for '${eventType}'`,
  ) {
    super(message);
    this.name = 'UnroutableError';
  }
}

export const isUnroutableError = (error: unknown): error is UnroutableError => error instanceof Error && error.name === 'UnroutableError';

/**
 * A publish failed because the transport as a whole could not carry it (not connected, channel or
 * transport closed, no confirm within the timeout). Not the message's fault: the outbox relay backs
 * the row off but never counts it towards `maxAttempts` (nor a `TransientDeliveryError`); only
 * message-level failures (nack, unroutable, a publish error of that message) do.
 */
export class TransportUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportUnavailableError';
  }
}

export const isTransportUnavailableError = (error: unknown): boolean => error instanceof Error && error.name === 'TransportUnavailableError';

export interface Subscription {
  /** Owner of the queue `<service>.events` and of its DLQ. */
  readonly service: string;
  /** Routing keys bound to the queue. */
  readonly eventTypes: readonly string[];
  /** At most this many deliveries in flight (AMQP prefetch). */
  readonly prefetch: number;
  readonly retry: RetryPolicy;
  /**
   * Resolves once the effects (and the inbox row) are committed: only then is the message acked.
   * Rejects: retried with backoff, or dead-lettered at once for a PermanentDeliveryError or when the
   * attempts are used up.
   */
  handle(delivery: Delivery): Promise<void>;
}

export interface ConsumerHandle {
  /** Stops taking new deliveries and waits for those in flight to settle. */
  cancel(): Promise<void>;
  /**
   * Stops taking deliveries for now (the database is unreachable); those in flight that fail
   * transiently go back uncounted. `resume` takes deliveries again. Both idempotent.
   */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export interface DeadLetter {
  readonly service: string;
  readonly messageId: string;
  readonly type: string;
  readonly envelope: unknown;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
}

/** Lists, inspects and replays a service's dead letters (the DLQ command drives this). */
export interface DeadLetterAdmin {
  list(service: string, limit?: number): Promise<DeadLetter[]>;
  /** Sends the named dead letters (all when `messageIds` is omitted) back to the service's queue only. */
  replay(service: string, messageIds?: readonly string[]): Promise<number>;
  depth(service: string): Promise<number>;
}

/**
 * How events leave a service and reach others. `amqp` in production, `memory` in the embedded
 * mode; both give at-least-once delivery with retries and a DLQ.
 */
export interface Transport extends DeadLetterAdmin {
  readonly kind: 'amqp' | 'memory';
  /**
   * Publishes a batch with many confirms in flight (never one round trip per message) and answers
   * one outcome per envelope, in order. Never throws for a single failed message; a message whose
   * confirm does not arrive within the confirm timeout is a failure. `onSettled`, when given, hears
   * each outcome as soon as it is known (the relay ends each `send` span at its confirm); a transport
   * may skip it, and the caller then goes by the answer.
   */
  publishBatch(envelopes: readonly EventEnvelope[], onSettled?: OnPublishSettled): Promise<PublishOutcome[]>;
  consume(subscription: Subscription): Promise<ConsumerHandle>;
  /**
   * Declares every queue the manifest names (idempotent) before anything is published, and keeps it
   * for re-declaring after a reconnect and for telling a lost message from one nobody consumes.
   * Optional on the interface; the AMQP and memory transports implement it.
   */
  declareTopology?(manifest: SubscriptionManifest): Promise<void>;
  /** True while the transport can publish (the broker connection is up). */
  isReady(): boolean;
  close(): Promise<void>;
}
