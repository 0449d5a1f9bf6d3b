import type { ContextDefinition } from './context.js';
import { CONTEXTS } from './contexts.js';
import type { EventContract } from './envelope.js';

/** The context an event type names as its producer: `order` for `order.placed.v1`. */
export const producerOf = (eventType: string): string => eventType.slice(0, eventType.indexOf('.'));

/**
 * Checks a list of awaited events against the registered contexts and freezes it. Refused: an event
 * whose producer is registered (it must then publish it: move the event into that context's `events`),
 * an event a context already publishes, and a type listed twice. So the day the producer is registered,
 * every start and every test fails until the event has moved.
 */
export function defineAwaitedEvents(contexts: readonly ContextDefinition[], events: readonly EventContract[]): readonly EventContract[] {
  const registered = new Set(contexts.map((context) => context.name));
  const published = new Set(contexts.flatMap((context) => context.events.map((event) => event.type)));
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const { type } of events) {
    const producer = producerOf(type);
    if (registered.has(producer)) problems.push(`'${type}' is awaited from '${producer}', which is registered: list it in that context's events instead`);
    else if (published.has(type)) problems.push(`'${type}' is published by a registered context`);
    if (seen.has(type)) problems.push(`'${type}' is listed twice`);
    seen.add(type);
  }
  if (problems.length > 0) throw new Error(`invalid awaited events: ${problems.join('; ')}`);
  return Object.freeze([...events]);
}

/**
 * Events whose contract is defined ahead of the context that will publish them, because a registered
 * context already consumes them: part of the published language (the manifest accepts subscriptions to
 * them, the schema registries validate them) though nothing publishes them yet. None today: the payment
 * events (the order context consumed them first) moved into the payment context's `events` with issue 12,
 * as the order events had moved into the order context's. A context consuming the events of one still to
 * come lists them here until that one registers.
 */
export const AWAITED_EVENTS: readonly EventContract[] = defineAwaitedEvents(CONTEXTS, []);
