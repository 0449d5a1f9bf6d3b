import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { AWAITED_EVENTS, defineAwaitedEvents, producerOf } from './awaited-events.js';
import { defineContext } from './context.js';
import { CONTEXTS, CONTEXT_NAMES } from './contexts.js';
import { defineEvent } from './envelope.js';
import { OrderPlacedV1 } from './order/order.events.js';
import { PaymentRefundedV1, PaymentSucceededV1 } from './payment/payment.events.js';
import { EventSchemaRegistry } from './schema-registry.js';
import { publishedLanguage } from './published-language.js';
import { subscriptionOf, subscriptionsOf } from './subscriptions.js';
import { UserRegisteredV1 } from './user/user.events.js';

describe('the awaited events', () => {
  it('are none: the payment context is registered and publishes the payment events the order context awaited', () => {
    expect(AWAITED_EVENTS).toEqual([]);
    expect(Object.isFrozen(AWAITED_EVENTS)).toBe(true);
    const payment = CONTEXTS.find((context) => context.name === 'payment');
    expect(payment?.events.map((event) => event.type)).toEqual(expect.arrayContaining(['payment.succeeded.v1', 'payment.refunded.v1']));
    // Taking them back into the awaited list is refused at import, as it would be here.
    expect(() => defineAwaitedEvents(CONTEXTS, [PaymentSucceededV1])).toThrow("'payment.succeeded.v1' is awaited from 'payment', which is registered");
    expect(() => defineAwaitedEvents(CONTEXTS, [PaymentRefundedV1])).toThrow("'payment.refunded.v1' is awaited from 'payment', which is registered");
  });

  it('no longer hold the order events: the order context is registered and publishes them', () => {
    const order = CONTEXTS.find((context) => context.name === 'order');
    expect(order?.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['order.placed.v1', 'order.cancelled.v1', 'order.paid.v1', 'order.refunded.v1']),
    );
    expect(() => defineAwaitedEvents(CONTEXTS, [OrderPlacedV1])).toThrow("'order.placed.v1' is awaited from 'order', which is registered");
  });

  it('would come from no registered context and be published by none, be part of the published language and be consumable (a fixture of the platform without the payment context)', () => {
    // The platform as it stood before issue 12: the order context consumed the payment events, awaited.
    const withoutPayment = CONTEXTS.filter((context) => context.name !== 'payment');
    const awaited = defineAwaitedEvents(withoutPayment, [PaymentSucceededV1, PaymentRefundedV1]);
    for (const { type } of awaited) {
      expect(
        withoutPayment.map((context) => context.name),
        type,
      ).not.toContain(producerOf(type));
      expect(withoutPayment.flatMap((context) => context.events.map((event) => event.type))).not.toContain(type);
    }
    const registry = new EventSchemaRegistry([...withoutPayment.flatMap((context) => context.events), ...awaited]);
    for (const { type } of awaited) expect(registry.has(type)).toBe(true);
    expect(subscriptionOf(subscriptionsOf(withoutPayment, awaited), 'order')?.eventTypes).toEqual(
      expect.arrayContaining(['payment.succeeded.v1', 'payment.refunded.v1']),
    );
    // Without them awaited, the order context's subscription has no contract: every start would fail.
    expect(() => subscriptionsOf(withoutPayment, [])).toThrow("service 'order' consumes 'payment.succeeded.v1', which has no contract");
  });

  it('leave the published language to the registered contexts', () => {
    expect(publishedLanguage).toEqual(CONTEXTS.flatMap((context) => context.events));
    expect(CONTEXT_NAMES).toContain('payment');
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
