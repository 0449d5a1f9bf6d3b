import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { UserRegisteredV1 } from './user/user.events.js';
import { defineContext } from './context.js';
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

const OrderPlacedV1 = defineEvent('order.placed.v1', Type.Object({ orderId: Type.String() }));

describe('defineSubscriptions', () => {
  it('accepts types of the published language by default, or of the contracts it is given', () => {
    const manifest = defineSubscriptions([{ service: 'coupon', eventTypes: [UserRegisteredV1.type] }]);
    expect(manifest).toEqual([{ service: 'coupon', eventTypes: ['user.registered.v1'] }]);
    expect(() => defineSubscriptions([{ service: 'coupon', eventTypes: [OrderPlacedV1.type] }])).toThrow(
      "invalid subscription manifest: service 'coupon' consumes 'order.placed.v1', which has no contract",
    );
    expect(defineSubscriptions([{ service: 'coupon', eventTypes: [OrderPlacedV1.type] }], [OrderPlacedV1])).toHaveLength(1);
    expect(defineSubscriptions([{ service: 'coupon', eventTypes: ['t.x.v1'] }], ['t.x.v1'])).toHaveLength(1);
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
      { service: 'coupon', eventTypes: [UserRegisteredV1.type, OrderPlacedV1.type], retryDelaysMs: [10, 20] },
      { service: 'points', eventTypes: [UserRegisteredV1.type] },
    ],
    [UserRegisteredV1, OrderPlacedV1],
  );

  it('answers which services consume a type and which types a service consumes', () => {
    expect(consumersOf(manifest, UserRegisteredV1.type)).toEqual(['coupon', 'points']);
    expect(consumersOf(manifest, OrderPlacedV1.type)).toEqual(['coupon']);
    expect(consumersOf(manifest, 'nobody.v1')).toEqual([]);
    expect(eventTypesOf(manifest, 'coupon')).toEqual([UserRegisteredV1.type, OrderPlacedV1.type]);
    expect(eventTypesOf(manifest, 'order')).toEqual([]);
    expect(subscriptionOf(manifest, 'points')?.service).toBe('points');
    expect(subscriptionOf(manifest, 'order')).toBeUndefined();
  });

  it('gives each service its retry delays, the default when it has none', () => {
    expect(retryDelaysOf(manifest, 'coupon')).toEqual([10, 20]);
    expect(retryDelaysOf(manifest, 'points')).toEqual([1_000, 5_000, 30_000]);
    expect(DEFAULT_RETRY_DELAYS_MS).toEqual([1_000, 5_000, 30_000]);
  });

  it('is empty for the platform until a context consumes something', () => {
    expect(subscriptions).toEqual([]);
  });
});

describe('subscriptionsOf', () => {
  const order = defineContext({ name: 'order', port: 3002, events: [OrderPlacedV1] });
  const user = defineContext({ name: 'user', port: 3001, events: [UserRegisteredV1] });

  it("is the manifest of the contexts' subscriptions", () => {
    const coupon = defineContext({ name: 'coupon', port: 3003, subscribes: { events: [UserRegisteredV1, OrderPlacedV1], retryDelaysMs: [10] } });
    const points = defineContext({ name: 'points', port: 3004, subscribes: { events: [OrderPlacedV1] } });
    expect(subscriptionsOf([user, order, coupon, points])).toEqual([
      { service: 'coupon', eventTypes: ['user.registered.v1', 'order.placed.v1'], retryDelaysMs: [10] },
      { service: 'points', eventTypes: ['order.placed.v1'] },
    ]);
  });

  it('refuses a subscription to an event no context of the list publishes', () => {
    const points = defineContext({ name: 'points', port: 3004, subscribes: { events: [OrderPlacedV1] } });
    expect(() => subscriptionsOf([user, points])).toThrow("service 'points' consumes 'order.placed.v1', which has no contract");
  });
});
