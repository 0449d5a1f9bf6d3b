import { AWAITED_EVENTS } from './awaited-events.js';
import type { EventContract } from './envelope.js';
import type { ContextDefinition } from './context.js';
import { CONTEXTS } from './contexts.js';
import { publishedLanguage } from './published-language.js';

/**
 * Delay before retry n (n = 1…) of a failed delivery, in ms: `length + 1` attempts in all, then the
 * DLQ. Lives here because every service declares every other service's retry queues from the
 * manifest, so producers and the consumer must agree on the delays (they name the retry queues).
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1_000, 5_000, 30_000]);

/** One consuming service: the event types routed to its queue `<service>.events`. */
export interface ServiceSubscription {
  readonly service: string;
  readonly eventTypes: readonly string[];
  /** Its retry queues' delays; `DEFAULT_RETRY_DELAYS_MS` when omitted. */
  readonly retryDelaysMs?: readonly number[];
}

/** Which service consumes which event types: every service declares the whole topology from it. */
export type SubscriptionManifest = readonly ServiceSubscription[];

/** Service names become queue names (`<service>.events`); the same rule as the transports'. */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Checks a manifest and freezes it. Refused at definition time: an event type that is not in
 * `known` (the published language by default; tests pass their own contracts or type names), an
 * invalid or repeated service name, a service with no event types or a type listed twice, and a
 * retry delay that is not a non-negative integer (it becomes a queue's `x-message-ttl`).
 */
export function defineSubscriptions(
  entries: readonly ServiceSubscription[],
  known: Iterable<EventContract | string> = publishedLanguage,
): SubscriptionManifest {
  const knownTypes = new Set([...known].map((item) => (typeof item === 'string' ? item : item.type)));
  const services = new Set<string>();
  const problems: string[] = [];
  for (const { service, eventTypes, retryDelaysMs } of entries) {
    if (typeof service !== 'string' || !SERVICE_NAME.test(service)) problems.push(`invalid service name '${String(service)}'`);
    else if (services.has(service)) problems.push(`service '${service}' is listed twice`);
    services.add(service);
    if (eventTypes.length === 0) problems.push(`service '${service}' consumes no event types`);
    const seen = new Set<string>();
    for (const type of eventTypes) {
      if (!knownTypes.has(type)) problems.push(`service '${service}' consumes '${type}', which has no contract (not in the published language)`);
      if (seen.has(type)) problems.push(`service '${service}' lists '${type}' twice`);
      seen.add(type);
    }
    for (const delayMs of retryDelaysMs ?? []) {
      if (!Number.isInteger(delayMs) || delayMs < 0) problems.push(`service '${service}': retry delays must be non-negative integers (ms), got ${delayMs}`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid subscription manifest: ${problems.join('; ')}`);
  return Object.freeze(
    entries.map((entry) =>
      Object.freeze({
        service: entry.service,
        eventTypes: Object.freeze([...entry.eventTypes]),
        ...(entry.retryDelaysMs ? { retryDelaysMs: Object.freeze([...entry.retryDelaysMs]) } : {}),
      }),
    ),
  );
}

/** The services whose queues receive `eventType` (empty: nobody consumes it). */
export const consumersOf = (manifest: SubscriptionManifest, eventType: string): string[] =>
  manifest.filter((entry) => entry.eventTypes.includes(eventType)).map((entry) => entry.service);

export const subscriptionOf = (manifest: SubscriptionManifest, service: string): ServiceSubscription | undefined =>
  manifest.find((entry) => entry.service === service);

/** The event types `service` consumes (empty when it consumes nothing). */
export const eventTypesOf = (manifest: SubscriptionManifest, service: string): readonly string[] => subscriptionOf(manifest, service)?.eventTypes ?? [];

/** The retry delays of `service`'s retry queues. */
export const retryDelaysOf = (manifest: SubscriptionManifest, service: string): readonly number[] =>
  subscriptionOf(manifest, service)?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;

/**
 * The platform's subscriptions, read from each context's `subscribes` (`CONTEXTS`). A context that adds a
 * consumer lists the events in its definition (e.g. `subscribes: { events: [UserRegisteredV1] }`), and
 * every service then declares that queue at start, so events published before the consumer first runs
 * wait in its queue. A subscription of a service that is not deployed keeps events pending in the
 * embedded mode and piling up in its queue on RabbitMQ: add it with the consumer, not before.
 */
export const subscriptions: SubscriptionManifest = subscriptionsOf(CONTEXTS);

/**
 * The manifest a list of contexts declares, checked by `defineSubscriptions` against their events and the
 * events `awaited` from a context not registered yet (`AWAITED_EVENTS` by default).
 */
export function subscriptionsOf(contexts: readonly ContextDefinition[], awaited: readonly EventContract[] = AWAITED_EVENTS): SubscriptionManifest {
  return defineSubscriptions(
    contexts.flatMap(({ name, subscribes }) =>
      subscribes
        ? [
            {
              service: name,
              eventTypes: subscribes.events.map((event) => event.type),
              ...(subscribes.retryDelaysMs ? { retryDelaysMs: subscribes.retryDelaysMs } : {}),
            },
          ]
        : [],
    ),
    [...contexts.flatMap((context) => context.events), ...awaited],
  );
}
