import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { schemaCheck } from '../schema-check.js';
import { bodySchemasOf } from '../http-route.js';
import { EventSchemaRegistry } from '../schema-registry.js';
import { couponContext } from './coupon.context.js';
import { COUPON_RESERVATION_REJECTION_REASONS, CouponReservationRejectedV1, CouponReservedV1, type CouponReservationRejectionReason } from './coupon.events.js';
import {
  COUPON_ROUTES,
  CreateCouponTemplateRequest,
  MyCoupon,
  MyCouponsQuery,
  type AdminCouponTemplate,
  type CouponTemplateResponse,
  type Discount,
  type DiscountRequest,
  type Validity,
} from './coupon.http.js';

describe('the coupon events', () => {
  const registry = new EventSchemaRegistry(couponContext.events);
  const ids = { orderId: randomUUID(), couponId: randomUUID(), userId: randomUUID() };
  const accepts = (type: string, payload: unknown) => {
    try {
      registry.validatePayload(type, payload);
      return true;
    } catch {
      return false;
    }
  };

  it('are what the coupon context publishes', () => {
    expect(couponContext.events).toEqual([CouponReservedV1, CouponReservationRejectedV1]);
  });

  it('carry the discount in whole fen', () => {
    const reserved: CouponReservedV1 = { ...ids, discount: 500, reservedAt: new Date().toISOString() };
    expect(accepts(CouponReservedV1.type, reserved)).toBe(true);
    expect(accepts(CouponReservedV1.type, { ...reserved, discount: 0 })).toBe(true);
    expect(accepts(CouponReservedV1.type, { ...reserved, discount: -1 })).toBe(false);
    expect(accepts(CouponReservedV1.type, { ...reserved, discount: 1.5 })).toBe(false);
    expect(accepts(CouponReservedV1.type, { ...reserved, extra: true })).toBe(false);
  });

  it('reject a reservation with one of the listed reasons only', () => {
    expect(COUPON_RESERVATION_REJECTION_REASONS).toEqual(['NOT_FOUND', 'NOT_OWNER', 'NOT_AVAILABLE', 'EXPIRED', 'BELOW_MIN_SPEND', 'ORDER_CANCELLED']);
    const rejectedAt = new Date().toISOString();
    for (const reason of COUPON_RESERVATION_REJECTION_REASONS)
      expect(accepts(CouponReservationRejectedV1.type, { ...ids, reason, rejectedAt }), reason).toBe(true);
    expect(accepts(CouponReservationRejectedV1.type, { ...ids, reason: 'SOLD_OUT', rejectedAt })).toBe(false);
    expectTypeOf<CouponReservationRejectedV1['reason']>().toEqualTypeOf<CouponReservationRejectionReason>();
  });
});

describe('the coupon routes', () => {
  it('are the seven of the contract, admin ones for admins only', () => {
    expect(couponContext.routes.map((route) => `${route.access} ${route.method} ${route.path} ${route.operationId}`)).toEqual([
      'admin POST /admin/coupon-templates createCouponTemplate',
      'admin GET /admin/coupon-templates listCouponTemplates',
      'admin POST /admin/coupon-templates/{templateId}/pause pauseCouponTemplate',
      'admin POST /admin/coupon-templates/{templateId}/resume resumeCouponTemplate',
      'user GET /coupon-templates listClaimableCouponTemplates',
      'user POST /coupon-templates/{templateId}/claim claimCoupon',
      'user GET /me/coupons listMyCoupons',
    ]);
    expect(couponContext.routes.every((route) => route.service === 'coupon')).toBe(true);
    expect(COUPON_ROUTES.listMyCoupons.query).toBe(MyCouponsQuery);
  });

  it('carry schemas that ajv compiles in strict mode', () => {
    for (const schema of couponContext.routes.flatMap(bodySchemasOf)) expect(() => schemaCheck(schema), JSON.stringify(schema)).not.toThrow();
  });

  describe('CreateCouponTemplateRequest', () => {
    const create = schemaCheck(CreateCouponTemplateRequest);
    const request: CreateCouponTemplateRequest = {
      name: 'Flash sale',
      discount: { kind: 'amount_off', amountOff: 500, minSpend: 3_000 },
      totalStock: 300,
      validity: { validDays: 7 },
    };

    it('accepts each discount kind and each validity', () => {
      expect(create(request)).toBe(true);
      expect(create({ ...request, discount: { kind: 'amount_off', amountOff: 1 } })).toBe(true);
      expect(create({ ...request, discount: { kind: 'percent_off', percentOff: 1 } })).toBe(true);
      expect(create({ ...request, discount: { kind: 'percent_off', percentOff: 99, maxOff: 2_000, minSpend: 0 } })).toBe(true);
      expect(create({ ...request, validity: { validFrom: '2030-01-01T00:00:00Z', validUntil: '2030-02-01T00:00:00Z' } })).toBe(true);
      expect(create({ ...request, perUserLimit: 100, claimStartsAt: '2030-01-01T00:00:00Z', claimEndsAt: '2030-01-02T00:00:00Z', grantOnRegister: true })).toBe(
        true,
      );
    });

    it.each([
      ['a negative stock', { totalStock: -1 }],
      ['no stock', { totalStock: 0 }],
      ['a stock over ten million', { totalStock: 10_000_001 }],
      ['a huge number', { totalStock: 1e300 }],
      ['a fractional stock', { totalStock: 1.5 }],
      ['a per-user limit of 0', { perUserLimit: 0 }],
      ['a per-user limit over 100', { perUserLimit: 101 }],
      ['percent 0', { discount: { kind: 'percent_off', percentOff: 0 } }],
      ['percent 100', { discount: { kind: 'percent_off', percentOff: 100 } }],
      ['amount 0', { discount: { kind: 'amount_off', amountOff: 0 } }],
      ['a huge amount', { discount: { kind: 'amount_off', amountOff: 10_000_000_001 } }],
      ['a negative minimum spend', { discount: { kind: 'amount_off', amountOff: 100, minSpend: -1 } }],
      ['a maxOff of 0', { discount: { kind: 'percent_off', percentOff: 10, maxOff: 0 } }],
      ['a maxOff on an amount off', { discount: { kind: 'amount_off', amountOff: 100, maxOff: 50 } }],
      ['an unknown discount kind', { discount: { kind: 'fixed_price', price: 100 } }],
      ['an unknown discount field', { discount: { kind: 'amount_off', amountOff: 100, extra: 1 } }],
      ['0 valid days', { validity: { validDays: 0 } }],
      ['3651 valid days', { validity: { validDays: 3651 } }],
      ['both validities at once', { validity: { validDays: 3, validFrom: '2030-01-01T00:00:00Z', validUntil: '2030-02-01T00:00:00Z' } }],
      ['half a fixed validity', { validity: { validFrom: '2030-01-01T00:00:00Z' } }],
      ['a date that is no date-time', { validity: { validFrom: '2030-01-01', validUntil: '2030-02-01' } }],
      ['an empty name', { name: '' }],
      ['a name over 100 characters', { name: 'x'.repeat(101) }],
      ['an unknown field', { remainingStock: 5 }],
      ['a grantOnRegister that is a string', { grantOnRegister: 'yes' }],
    ])('refuses %s', (_case, change) => {
      expect(create({ ...request, ...change })).toBe(false);
    });

    it('refuses a request without a discount, stock, validity or name', () => {
      for (const field of ['name', 'discount', 'totalStock', 'validity'] as const) {
        const { [field]: _dropped, ...rest } = request;
        expect(create(rest), field).toBe(false);
      }
    });
  });

  describe('MyCouponsQuery', () => {
    const query = schemaCheck(MyCouponsQuery);

    it('accepts a status filter and a limit from 1 to 200, as text', () => {
      expect(query({})).toBe(true);
      expect(query({ status: 'AVAILABLE', limit: '1' })).toBe(true);
      for (const limit of ['1', '9', '10', '99', '100', '199', '200']) expect(query({ limit }), limit).toBe(true);
    });

    it('refuses an unknown status, a limit outside 1-200 or not in plain digits, and unknown parameters', () => {
      for (const limit of ['0', '201', '1000', '01', '-1', '1e2', ' 7', '7 ', '1.5', '']) expect(query({ limit }), limit).toBe(false);
      expect(query({ limit: 50 })).toBe(false);
      expect(query({ status: 'GONE' })).toBe(false);
      expect(query({ page: '2' })).toBe(false);
    });

    it('is an object of string properties, as query strings are', () => {
      for (const [name, property] of Object.entries(MyCouponsQuery.properties)) {
        const schema = property as { type?: string; enum?: unknown[] };
        expect(schema.type === 'string' || schema.enum?.every((value) => typeof value === 'string'), name).toBe(true);
      }
    });
  });

  it('answer with every discount field set', () => {
    const coupon = schemaCheck(MyCoupon);
    const mine: MyCoupon = {
      couponId: randomUUID(),
      templateId: randomUUID(),
      name: 'Welcome',
      discount: { kind: 'percent_off', percentOff: 10, maxOff: null, minSpend: 0 },
      status: 'LOCKED',
      validFrom: '2030-01-01T00:00:00Z',
      validUntil: '2030-02-01T00:00:00Z',
      orderId: randomUUID(),
    };
    expect(coupon(mine)).toBe(true);
    expect(coupon({ ...mine, discount: { kind: 'percent_off', percentOff: 10, minSpend: 0 } })).toBe(false);
    expect(coupon({ ...mine, status: 'GONE' })).toBe(false);
  });

  it('derive their static types from the schemas', () => {
    expectTypeOf<DiscountRequest>().toEqualTypeOf<
      { kind: 'amount_off'; amountOff: number; minSpend?: number } | { kind: 'percent_off'; percentOff: number; maxOff?: number; minSpend?: number }
    >();
    expectTypeOf<Discount>().toEqualTypeOf<
      { kind: 'amount_off'; amountOff: number; minSpend: number } | { kind: 'percent_off'; percentOff: number; maxOff: number | null; minSpend: number }
    >();
    expectTypeOf<Validity>().toEqualTypeOf<{ validFrom: string; validUntil: string } | { validDays: number }>();
    expectTypeOf<CouponTemplateResponse['status']>().toEqualTypeOf<'ACTIVE' | 'PAUSED'>();
    expectTypeOf<AdminCouponTemplate>().toMatchTypeOf<CouponTemplateResponse & { issued: number; used: number }>();
    expectTypeOf<MyCouponsQuery>().toEqualTypeOf<{ status?: 'AVAILABLE' | 'LOCKED' | 'USED' | 'EXPIRED'; limit?: string }>();
  });
});
