import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { schemaCheck } from '../schema-check.js';
import { bodySchemasOf } from '../http-route.js';
import { EventSchemaRegistry } from '../schema-registry.js';
import { DEFAULT_RETRY_DELAYS_MS, retryDelaysOf, subscriptions } from '../subscriptions.js';
import { SAGA_STEP_RETRY_DELAYS_MS } from '../saga-retry.js';
import { pointsContext } from './points.context.js';
import { POINTS_RESERVATION_REJECTION_REASONS, PointsReservationRejectedV1, PointsReservedV1, type PointsReservationRejectionReason } from './points.events.js';
import {
  LEDGER_ENTRY_KINDS,
  POINTS_LEDGER_LIMIT,
  POINTS_ROUTES,
  PointsBalance,
  PointsLedgerEntry,
  PointsLedgerQuery,
  type LedgerEntryKind,
  type PointsLedgerPage,
} from './points.http.js';

describe('the points events', () => {
  const registry = new EventSchemaRegistry(pointsContext.events);
  const ids = { orderId: randomUUID(), userId: randomUUID() };
  const accepts = (type: string, payload: unknown) => {
    try {
      registry.validatePayload(type, payload);
      return true;
    } catch {
      return false;
    }
  };

  it('are what the points context publishes', () => {
    expect(pointsContext.events).toEqual([PointsReservedV1, PointsReservationRejectedV1]);
    expect(pointsContext.events.map((event) => event.type)).toEqual(['points.reserved.v1', 'points.reservation-rejected.v1']);
  });

  it('carry the frozen points as a whole number from 1 to a trillion', () => {
    const reserved: PointsReservedV1 = { ...ids, points: 500, reservedAt: new Date().toISOString() };
    expect(accepts(PointsReservedV1.type, reserved)).toBe(true);
    expect(accepts(PointsReservedV1.type, { ...reserved, points: 1 })).toBe(true);
    expect(accepts(PointsReservedV1.type, { ...reserved, points: 1_000_000_000_000 })).toBe(true);
    expect(accepts(PointsReservedV1.type, { ...reserved, points: 0 })).toBe(false);
    expect(accepts(PointsReservedV1.type, { ...reserved, points: -1 })).toBe(false);
    expect(accepts(PointsReservedV1.type, { ...reserved, points: 1.5 })).toBe(false);
    expect(accepts(PointsReservedV1.type, { ...reserved, points: 1_000_000_000_001 })).toBe(false);
    expect(accepts(PointsReservedV1.type, { ...reserved, points: '500' })).toBe(false);
    expect(accepts(PointsReservedV1.type, { ...reserved, orderId: 'order-1' })).toBe(false);
    expect(accepts(PointsReservedV1.type, { ...reserved, reservedAt: 'now' })).toBe(false);
    expect(accepts(PointsReservedV1.type, { ...reserved, extra: true })).toBe(false);
    const { points: _points, ...withoutPoints } = reserved;
    expect(accepts(PointsReservedV1.type, withoutPoints)).toBe(false);
  });

  it('reject a reservation with one of the listed reasons only, naming the points asked', () => {
    expect(POINTS_RESERVATION_REJECTION_REASONS).toEqual(['INSUFFICIENT_POINTS', 'ORDER_CANCELLED']);
    const rejectedAt = new Date().toISOString();
    for (const reason of POINTS_RESERVATION_REJECTION_REASONS)
      expect(accepts(PointsReservationRejectedV1.type, { ...ids, points: 300, reason, rejectedAt }), reason).toBe(true);
    expect(accepts(PointsReservationRejectedV1.type, { ...ids, points: 300, reason: 'NOT_FOUND', rejectedAt })).toBe(false);
    expect(accepts(PointsReservationRejectedV1.type, { ...ids, points: 0, reason: 'INSUFFICIENT_POINTS', rejectedAt })).toBe(false);
    expect(accepts(PointsReservationRejectedV1.type, { ...ids, reason: 'INSUFFICIENT_POINTS', rejectedAt })).toBe(false);
    expect(accepts(PointsReservationRejectedV1.type, { ...ids, points: 300, reason: 'INSUFFICIENT_POINTS', rejectedAt, extra: 1 })).toBe(false);
    expectTypeOf<PointsReservationRejectedV1['reason']>().toEqualTypeOf<PointsReservationRejectionReason>();
  });
});

describe('the points routes', () => {
  it('are the two of the contract, for signed-in users', () => {
    expect(pointsContext.routes.map((route) => `${route.access} ${route.method} ${route.path} ${route.operationId}`)).toEqual([
      'user GET /me/points getMyPoints',
      'user GET /me/points/ledger listMyPointsLedger',
    ]);
    expect(pointsContext.routes.every((route) => route.service === 'points' && route.tag === 'points')).toBe(true);
    expect(pointsContext.tags).toEqual({ points: 'Points balance and ledger' });
    expect([pointsContext.name, pointsContext.port]).toEqual(['points', 3004]);
    expect(POINTS_ROUTES.listMyPointsLedger.query).toBe(PointsLedgerQuery);
    expect(POINTS_ROUTES.getMyPoints.responses[200].schema).toBe(PointsBalance);
  });

  it('subscribe to the user registration and the four order saga events', () => {
    expect(pointsContext.subscribes?.events.map((event) => event.type)).toEqual([
      'user.registered.v1',
      'order.placed.v1',
      'order.cancelled.v1',
      'order.paid.v1',
      'order.refunded.v1',
    ]);
  });

  it('retry a failed delivery for about 42 minutes before dead-lettering it (a saga step may be that far ahead of its predecessor), starting as fast as the default', () => {
    expect(retryDelaysOf(subscriptions, 'points')).toEqual([1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000]);
    expect(pointsContext.subscribes?.retryDelaysMs).toBe(SAGA_STEP_RETRY_DELAYS_MS);
    const windowMs = SAGA_STEP_RETRY_DELAYS_MS.reduce((sum, delayMs) => sum + delayMs, 0);
    expect(windowMs).toBeGreaterThanOrEqual(40 * 60_000);
    expect(SAGA_STEP_RETRY_DELAYS_MS.slice(0, DEFAULT_RETRY_DELAYS_MS.length)).toEqual(DEFAULT_RETRY_DELAYS_MS);
    expect(Object.isFrozen(SAGA_STEP_RETRY_DELAYS_MS)).toBe(true);
  });

  it('carry schemas that ajv compiles in strict mode', () => {
    for (const schema of pointsContext.routes.flatMap(bodySchemasOf)) expect(() => schemaCheck(schema), JSON.stringify(schema)).not.toThrow();
    expect(() => schemaCheck(PointsLedgerQuery)).not.toThrow();
  });

  it('say in the ledger route how the next page is given', () => {
    expect(POINTS_ROUTES.listMyPointsLedger.summary).toContain('Next-Cursor');
    expect(POINTS_ROUTES.listMyPointsLedger.summary).toContain('rel="next"');
    expect(POINTS_LEDGER_LIMIT).toEqual({ max: 200, default: 50 });
  });

  describe('PointsLedgerQuery', () => {
    const query = schemaCheck(PointsLedgerQuery);

    it('accepts a cursor and a limit from 1 to 200, as text', () => {
      expect(query({})).toBe(true);
      expect(query({ cursor: 'MTIz', limit: '50' })).toBe(true);
      for (const limit of ['1', '9', '10', '99', '100', '199', '200']) expect(query({ limit }), limit).toBe(true);
      for (const cursor of ['a', 'MTIzNDU', 'A-z_0-9', 'x'.repeat(64)]) expect(query({ cursor }), cursor).toBe(true);
    });

    it('refuses a limit outside 1-200 or not in plain digits', () => {
      for (const limit of ['0', '201', '1000', '01', '-1', '1e2', 'abc', ' 7', '7 ', '1.5', '']) expect(query({ limit }), limit).toBe(false);
      expect(query({ limit: 50 })).toBe(false);
    });

    it('refuses a cursor with other characters, empty or over 64 characters', () => {
      for (const cursor of ['', 'x'.repeat(65), 'MTIz=', 'a+b', 'a/b', 'a b', 'a.b', "'; DROP TABLE points_ledger; --", 'é', '%00'])
        expect(query({ cursor }), cursor).toBe(false);
      expect(query({ cursor: 12 })).toBe(false);
    });

    it('refuses unknown parameters', () => {
      expect(query({ page: '2' })).toBe(false);
      expect(query({ offset: '0', limit: '10' })).toBe(false);
    });

    it('is an object of string properties, as query strings are', () => {
      for (const [name, property] of Object.entries(PointsLedgerQuery.properties)) expect((property as { type?: string }).type, name).toBe('string');
    });
  });

  it('answer a balance of four whole numbers, none negative', () => {
    const balance = schemaCheck(PointsBalance);
    const mine: PointsBalance = { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 };
    expect(balance(mine)).toBe(true);
    expect(balance({ ...mine, available: -1 })).toBe(false);
    expect(balance({ ...mine, debt: 0.5 })).toBe(false);
    const { debt: _debt, ...withoutDebt } = mine;
    expect(balance(withoutDebt)).toBe(false);
  });

  it('answer ledger entries of the listed kinds, with signed deltas and balances after them that are never negative', () => {
    expect(LEDGER_ENTRY_KINDS).toEqual(['BONUS', 'EARN', 'FREEZE', 'RELEASE', 'SPEND', 'REFUND', 'CLAWBACK', 'DEBT', 'DEBT_SETTLED']);
    const entry = schemaCheck(PointsLedgerEntry);
    const freeze: PointsLedgerEntry = {
      entryId: 'FREEZE:' + randomUUID(),
      kind: 'FREEZE',
      delta: -30,
      frozenDelta: 30,
      debtDelta: 0,
      availableAfter: 70,
      frozenAfter: 30,
      debtAfter: 0,
      orderId: randomUUID(),
      createdAt: new Date().toISOString(),
    };
    expect(entry(freeze)).toBe(true);
    for (const kind of LEDGER_ENTRY_KINDS) expect(entry({ ...freeze, kind }), kind).toBe(true);
    expect(entry({ ...freeze, kind: 'BONUS', orderId: null })).toBe(true);
    expect(entry({ ...freeze, kind: 'GIFT' })).toBe(false);
    expect(entry({ ...freeze, availableAfter: -1 })).toBe(false);
    expect(entry({ ...freeze, delta: 0.5 })).toBe(false);
    expect(entry({ ...freeze, orderId: 'order-1' })).toBe(false);
    expect(entry({ ...freeze, createdAt: 'yesterday' })).toBe(false);
  });

  it('derive their static types from the schemas', () => {
    expectTypeOf<LedgerEntryKind>().toEqualTypeOf<'BONUS' | 'EARN' | 'FREEZE' | 'RELEASE' | 'SPEND' | 'REFUND' | 'CLAWBACK' | 'DEBT' | 'DEBT_SETTLED'>();
    expectTypeOf<PointsBalance>().toEqualTypeOf<{ available: number; frozen: number; lifetimeEarned: number; debt: number }>();
    expectTypeOf<PointsLedgerQuery>().toEqualTypeOf<{ cursor?: string; limit?: string }>();
    expectTypeOf<PointsLedgerPage>().toEqualTypeOf<PointsLedgerEntry[]>();
    expectTypeOf<PointsLedgerEntry['orderId']>().toEqualTypeOf<string | null>();
    expectTypeOf<PointsLedgerEntry['kind']>().toEqualTypeOf<LedgerEntryKind>();
    expectTypeOf<PointsReservedV1>().toEqualTypeOf<{ orderId: string; userId: string; points: number; reservedAt: string }>();
  });
});
