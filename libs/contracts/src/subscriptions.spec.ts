import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { UserRegisteredV1 } from './user/user.events.js';
import { AWAITED_EVENTS } from './awaited-events.js';
import { defineContext, type ContextDefinition } from './context.js';
import { CONTEXTS } from './contexts.js';
import { couponContext } from './coupon/coupon.context.js';
import { pointsContext } from './points/points.context.js';
import { OrderPlacedV1 } from './order/order.events.js';
import { paymentContext } from './payment/payment.context.js';
import { PaymentFailedV1, PaymentSucceededV1 } from './payment/payment.events.js';
import { SAGA_STEP_RETRY_DELAYS_MS } from './saga-retry.js';
import { defineEvent } from './envelope.js';
import {
  DEFAULT_RETRY_DELAYS_MS,
  consumersOf,
  defineSubscriptions,
  eventTypesOf,
  retryDelaysOf,
  subscriptionOf,
  subscriptions,
  subscriptionsOf,
} from './subscriptions.js';

const ParcelShippedV1 = defineEvent('shipping.shipped.v1', Type.Object({ parcelId: Type.String() }));

describe('defineSubscriptions', () => {
  it('accepts types of the published language by default, or of the contracts it is given', () => {
    const manifest = defineSubscriptions([{ service: 'coupon', eventTypes: [UserRegisteredV1.type] }]);
    expect(manifest).toEqual([{ service: 'coupon', eventTypes: ['user.registered.v1'] }]);
    expect(() => defineSubscriptions([{ service: 'coupon', eventTypes: [ParcelShippedV1.type] }])).toThrow(
      "invalid subscription manifest: service 'coupon' consumes 'shipping.shipped.v1', which has no contract",
    );
    expect(defineSubscriptions([{ service: 'coupon', eventTypes: [ParcelShippedV1.type] }], [ParcelShippedV1])).toHaveLength(1);
    expect(defineSubscriptions([{ service: 'coupon', eventTypes: ['t.x.v1'] }], ['t.x.v1'])).toHaveLength(1);
  });

  it('accepts by default the events of every registered context, the payment events included', () => {
    expect(defineSubscriptions([{ service: 'order', eventTypes: [PaymentSucceededV1.type, PaymentFailedV1.type] }])).toEqual([
      { service: 'order', eventTypes: ['payment.succeeded.v1', 'payment.failed.v1'] },
    ]);
  });

  it.each([
    [[{ service: 'bad name', eventTypes: [UserRegisteredV1.type] }], "invalid service name 'bad name'"],
    [[{ service: '', eventTypes: [UserRegisteredV1.type] }], "invalid service name ''"],
    [[{ service: 'a.b', eventTypes: [UserRegisteredV1.type] }], "invalid service name 'a.b'"],
    [
      [
        { service: 'coupon', eventTypes: [UserRegisteredV1.type] },
        { service: 'coupon', eventTypes: [UserRegisteredV1.type] },
      ],
      "service 'coupon' is listed twice",
    ],
    [[{ service: 'coupon', eventTypes: [] }], "service 'coupon' consumes no event types"],
    [[{ service: 'coupon', eventTypes: [UserRegisteredV1.type, UserRegisteredV1.type] }], "service 'coupon' lists 'user.registered.v1' twice"],
    [[{ service: 'coupon', eventTypes: [UserRegisteredV1.type], retryDelaysMs: [100, -1] }], 'retry delays must be non-negative integers (ms), got -1'],
    [[{ service: 'coupon', eventTypes: [UserRegisteredV1.type], retryDelaysMs: [1.5] }], 'got 1.5'],
  ])('refuses %j', (entries, problem) => {
    expect(() => defineSubscriptions(entries)).toThrow(problem);
  });

  it('names every problem at once', () => {
    expect(() => defineSubscriptions([{ service: 'x y', eventTypes: ['nope.v1'] }])).toThrow(
      "invalid subscription manifest: invalid service name 'x y'; service 'x y' consumes 'nope.v1', which has no contract",
    );
  });

  it('is frozen, so nobody changes the topology behind the declaration', () => {
    const entries = [{ service: 'coupon', eventTypes: [UserRegisteredV1.type] }];
    const manifest = defineSubscriptions(entries);
    entries[0]!.eventTypes.push('later.v1');
    expect(manifest[0]!.eventTypes).toEqual([UserRegisteredV1.type]);
    expect(Object.isFrozen(manifest) && Object.isFrozen(manifest[0]) && Object.isFrozen(manifest[0]!.eventTypes)).toBe(true);
  });
});

describe('manifest queries', () => {
  const manifest = defineSubscriptions(
    [
      { service: 'coupon', eventTypes: [UserRegisteredV1.type, ParcelShippedV1.type], retryDelaysMs: [10, 20] },
      { service: 'points', eventTypes: [UserRegisteredV1.type] },
    ],
    [UserRegisteredV1, ParcelShippedV1],
  );

  it('answers which services consume a type and which types a service consumes', () => {
    expect(consumersOf(manifest, UserRegisteredV1.type)).toEqual(['coupon', 'points']);
    expect(consumersOf(manifest, ParcelShippedV1.type)).toEqual(['coupon']);
    expect(consumersOf(manifest, 'nobody.v1')).toEqual([]);
    expect(eventTypesOf(manifest, 'coupon')).toEqual([UserRegisteredV1.type, ParcelShippedV1.type]);
    expect(eventTypesOf(manifest, 'shipping')).toEqual([]);
    expect(subscriptionOf(manifest, 'points')?.service).toBe('points');
    expect(subscriptionOf(manifest, 'shipping')).toBeUndefined();
  });

  it('gives each service its retry delays, the default when it has none', () => {
    expect(retryDelaysOf(manifest, 'coupon')).toEqual([10, 20]);
    expect(retryDelaysOf(manifest, 'points')).toEqual([1_000, 5_000, 30_000]);
    expect(DEFAULT_RETRY_DELAYS_MS).toEqual([1_000, 5_000, 30_000]);
  });

  it("is, for the platform, the registered contexts' subscriptions", () => {
    expect(subscriptions.map((entry) => entry.service)).toEqual(CONTEXTS.filter((context) => context.subscribes).map((context) => context.name));
    for (const context of CONTEXTS) expect(eventTypesOf(subscriptions, context.name)).toEqual(context.subscribes?.events.map((event) => event.type) ?? []);
  });
});

describe('subscriptionsOf', () => {
  const shipping = defineContext({ name: 'shipping', port: 3002, events: [ParcelShippedV1] });
  const user = defineContext({ name: 'user', port: 3001, events: [UserRegisteredV1] });

  it("is the manifest of the contexts' subscriptions", () => {
    const coupon = defineContext({ name: 'coupon', port: 3003, subscribes: { events: [UserRegisteredV1, ParcelShippedV1], retryDelaysMs: [10] } });
    const points = defineContext({ name: 'points', port: 3004, subscribes: { events: [ParcelShippedV1] } });
    expect(subscriptionsOf([user, shipping, coupon, points])).toEqual([
      { service: 'coupon', eventTypes: ['user.registered.v1', 'shipping.shipped.v1'], retryDelaysMs: [10] },
      { service: 'points', eventTypes: ['shipping.shipped.v1'] },
    ]);
  });

  it('refuses a subscription to an event no context of the list publishes', () => {
    const points = defineContext({ name: 'points', port: 3004, subscribes: { events: [ParcelShippedV1] } });
    expect(() => subscriptionsOf([user, points])).toThrow("service 'points' consumes 'shipping.shipped.v1', which has no contract");
  });

  it('accepts a subscription to an awaited event, and refuses it when none is awaited (AWAITED_EVENTS, empty today, by default)', () => {
    const order = defineContext({ name: 'order', port: 3002, subscribes: { events: [PaymentSucceededV1] } });
    expect(subscriptionsOf([user, order], [PaymentSucceededV1])).toEqual([{ service: 'order', eventTypes: ['payment.succeeded.v1'] }]);
    expect(AWAITED_EVENTS).toEqual([]);
    expect(() => subscriptionsOf([user, order])).toThrow("service 'order' consumes 'payment.succeeded.v1', which has no contract");
    expect(() => subscriptionsOf([user, order], [])).toThrow("service 'order' consumes 'payment.succeeded.v1', which has no contract");
    // Registered, the payment context's events make it good.
    const payment = defineContext({ name: 'payment', port: 3005, events: paymentContext.events });
    expect(subscriptionsOf([user, order, payment], [])).toEqual([{ service: 'order', eventTypes: ['payment.succeeded.v1'] }]);
    // An event of a context missing from the list is refused when it is not awaited either.
    const points = defineContext({ name: 'points', port: 3004, subscribes: { events: [OrderPlacedV1] } });
    expect(() => subscriptionsOf([user, points])).toThrow("service 'points' consumes 'order.placed.v1', which has no contract");
  });

  it.each([
    ['coupon', couponContext],
    ['points', pointsContext],
  ])("takes the %s context's subscriptions: the user event and the four order events it settles its part of the saga on", (name, context) => {
    const contexts: readonly ContextDefinition[] = CONTEXTS;
    const registered = contexts.some((known) => known.name === name) ? contexts : [...contexts, context];
    expect(subscriptionOf(subscriptionsOf(registered), name)).toEqual({
      service: name,
      eventTypes: ['user.registered.v1', 'order.placed.v1', 'order.cancelled.v1', 'order.paid.v1', 'order.refunded.v1'],
      // Its own retry delays when it has some (points waits longer for an overtaken step's predecessor).
      ...(context.subscribes?.retryDelaysMs ? { retryDelaysMs: context.subscribes.retryDelaysMs } : {}),
    });
  });

  it("takes the order context's subscriptions: the participants' replies and the payment events, with the saga's retry delays", () => {
    expect(subscriptionOf(subscriptions, 'order')).toEqual({
      service: 'order',
      eventTypes: [
        'coupon.reserved.v1',
        'coupon.reservation-rejected.v1',
        'points.reserved.v1',
        'points.reservation-rejected.v1',
        'payment.succeeded.v1',
        'payment.refunded.v1',
      ],
      retryDelaysMs: SAGA_STEP_RETRY_DELAYS_MS,
    });
    expect(retryDelaysOf(subscriptions, 'order')).toEqual(retryDelaysOf(subscriptions, 'points'));
  });

  it("takes the payment context's subscriptions: the four order events it keeps its projection and its refunds on, with the saga's retry delays", () => {
    expect(subscriptionOf(subscriptions, 'payment')).toEqual({
      service: 'payment',
      eventTypes: ['order.awaiting-payment.v1', 'order.cancelled.v1', 'order.paid.v1', 'order.refund-requested.v1'],
      retryDelaysMs: SAGA_STEP_RETRY_DELAYS_MS,
    });
  });

  it('names the coupon and the points service as consumers of the registration and of the saga events they act on, the order service of every reply, the payment service of what it pays and refunds', () => {
    for (const type of ['user.registered.v1', OrderPlacedV1.type, 'order.refunded.v1'])
      expect(consumersOf(subscriptions, type), type).toEqual(['coupon', 'points']);
    for (const type of ['order.cancelled.v1', 'order.paid.v1']) expect(consumersOf(subscriptions, type), type).toEqual(['coupon', 'points', 'payment']);
    for (const type of [
      'coupon.reserved.v1',
      'coupon.reservation-rejected.v1',
      'points.reserved.v1',
      'points.reservation-rejected.v1',
      'payment.succeeded.v1',
      'payment.refunded.v1',
    ])
      expect(consumersOf(subscriptions, type), type).toEqual(['order']);
    // The payment context's own: the order awaiting payment and asking for a refund.
    for (const type of ['order.awaiting-payment.v1', 'order.refund-requested.v1']) expect(consumersOf(subscriptions, type), type).toEqual(['payment']);
    // A failed payment is for whoever follows payments: the order waits for another attempt or its deadline.
    expect(consumersOf(subscriptions, 'payment.failed.v1')).toEqual([]);
  });
});
