import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { AWAITED_EVENTS, defineAwaitedEvents, producerOf } from './awaited-events.js';
import { defineContext } from './context.js';
import { CONTEXTS, CONTEXT_NAMES } from './contexts.js';
import { defineEvent } from './envelope.js';
import { OrderPlacedV1 } from './order/order.events.js';
import { EventSchemaRegistry } from './schema-registry.js';
import { publishedLanguage } from './published-language.js';
import { UserRegisteredV1 } from './user/user.events.js';

describe('the awaited events', () => {
  it('are the payment events, until the payment context is registered and publishes them', () => {
    expect(AWAITED_EVENTS.map((event) => event.type)).toEqual(['payment.succeeded.v1', 'payment.refunded.v1']);
    expect(Object.isFrozen(AWAITED_EVENTS)).toBe(true);
  });

  it('no longer hold the order events: the order context is registered and publishes them', () => {
    const order = CONTEXTS.find((context) => context.name === 'order');
    expect(order?.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['order.placed.v1', 'order.cancelled.v1', 'order.paid.v1', 'order.refunded.v1']),
    );
    expect(AWAITED_EVENTS.map((event) => producerOf(event.type))).not.toContain('order');
    // Taking them back into the awaited list is refused at import, as it would be here.
    expect(() => defineAwaitedEvents(CONTEXTS, [OrderPlacedV1])).toThrow("'order.placed.v1' is awaited from 'order', which is registered");
  });

  it('come from no registered context, and none of them is published already', () => {
    // When the producer registers, the event moves into its `events`: this (and every start) fails until it has.
    for (const { type } of AWAITED_EVENTS) {
      expect(CONTEXT_NAMES, type).not.toContain(producerOf(type));
      expect(CONTEXTS.flatMap((context) => context.events.map((event) => event.type))).not.toContain(type);
    }
  });

  it('are part of the published language, so schema registries validate them', () => {
    expect(publishedLanguage).toEqual(expect.arrayContaining([...AWAITED_EVENTS]));
    const registry = new EventSchemaRegistry(publishedLanguage);
    for (const { type } of AWAITED_EVENTS) expect(registry.has(type)).toBe(true);
  });
});

describe('defineAwaitedEvents', () => {
  const user = defineContext({ name: 'user', port: 3001, events: [UserRegisteredV1] });
  const ShipmentSentV1 = defineEvent('shipping.sent.v1', Type.Object({ shipmentId: Type.String() }));

  it('names the producer of an event type by its first segment', () => {
    expect(producerOf('order.placed.v1')).toBe('order');
    expect(producerOf('coupon.reservation-rejected.v1')).toBe('coupon');
  });

  it('keeps a list whose producers are not registered, frozen', () => {
    const awaited = defineAwaitedEvents([user], [OrderPlacedV1, ShipmentSentV1]);
    expect(awaited).toEqual([OrderPlacedV1, ShipmentSentV1]);
    expect(Object.isFrozen(awaited)).toBe(true);
  });

  it('refuses an event awaited from a registered context: that context must list it in its events', () => {
    const order = defineContext({ name: 'order', port: 3002, events: [OrderPlacedV1] });
    expect(() => defineAwaitedEvents([user, order], [OrderPlacedV1])).toThrow(
      "invalid awaited events: 'order.placed.v1' is awaited from 'order', which is registered: list it in that context's events instead",
    );
    // Registered without publishing it yet is refused too: the awaited list is no place for a registered context's events.
    expect(() => defineAwaitedEvents([user, defineContext({ name: 'order', port: 3002 })], [OrderPlacedV1])).toThrow("awaited from 'order'");
    expect(() => defineAwaitedEvents([user], [UserRegisteredV1])).toThrow("'user.registered.v1' is awaited from 'user'");
  });

  it('refuses a type listed twice', () => {
    expect(() => defineAwaitedEvents([user], [OrderPlacedV1, OrderPlacedV1])).toThrow("'order.placed.v1' is listed twice");
  });
});
