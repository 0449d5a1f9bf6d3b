import { beforeEach, describe, expect, it } from 'vitest';
import type { CreateCouponTemplateRequest } from '@shop/contracts';
import { codeOf } from '@shop/testing';
import { isUuid } from '@shop/shared-kernel';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';
import type { CreateCouponTemplateCommand } from './create-coupon-template.command.js';

describe('CreateCouponTemplateHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('opens an ACTIVE campaign and answers it in the contract’s shape, defaults filled in', async () => {
    // The HTTP request body is a command as it is.
    const request: CreateCouponTemplateRequest = {
      name: ' Flash sale ',
      discount: { kind: 'percent_off', percentOff: 15 },
      totalStock: 300,
      validity: { validDays: 7 },
    };
    const answer = await h.createTemplate.execute(request);

    expect(isUuid(answer.templateId)).toBe(true);
    expect(answer).toEqual({
      templateId: answer.templateId,
      name: 'Flash sale',
      discount: { kind: 'percent_off', percentOff: 15, maxOff: null, minSpend: 0 },
      totalStock: 300,
      perUserLimit: 1,
      validity: { validDays: 7 },
      claimStartsAt: null,
      claimEndsAt: null,
      grantOnRegister: false,
      status: 'ACTIVE',
      remainingStock: 300,
      createdAt: '2026-02-01T08:00:00.000Z',
    });
    const [stored] = f.templates.all();
    expect(stored?.id).toBe(answer.templateId);
    expect(f.unitOfWork.commits).toBe(1);
    // A campaign is the coupon context's own business: nothing is published.
    expect(f.outbox.events).toEqual([]);
  });

  it('keeps every field it is given', async () => {
    const answer = await h.createTemplate.execute({
      name: 'Welcome',
      discount: { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 },
      totalStock: 10,
      perUserLimit: 3,
      validity: { validFrom: '2026-03-01T00:00:00+08:00', validUntil: '2026-04-01T00:00:00Z' },
      claimStartsAt: '2026-02-10T00:00:00Z',
      claimEndsAt: '2026-02-20T00:00:00Z',
      grantOnRegister: true,
    });
    expect(answer).toMatchObject({
      discount: { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 },
      perUserLimit: 3,
      validity: { validFrom: '2026-02-28T16:00:00.000Z', validUntil: '2026-04-01T00:00:00.000Z' },
      claimStartsAt: '2026-02-10T00:00:00.000Z',
      claimEndsAt: '2026-02-20T00:00:00.000Z',
      grantOnRegister: true,
    });
  });

  const valid: CreateCouponTemplateCommand = { name: 'Sale', discount: { kind: 'amount_off', amountOff: 500 }, totalStock: 10, validity: { validDays: 7 } };
  it.each<[string, Partial<CreateCouponTemplateCommand>, string]>([
    ['negative stock', { totalStock: -1 }, 'INVALID_COUPON_TEMPLATE'],
    ['huge stock', { totalStock: 1e12 }, 'INVALID_COUPON_TEMPLATE'],
    ['percent 0', { discount: { kind: 'percent_off', percentOff: 0 } }, 'INVALID_DISCOUNT'],
    ['percent 100', { discount: { kind: 'percent_off', percentOff: 100 } }, 'INVALID_DISCOUNT'],
    ['an unknown discount kind', { discount: { kind: 'free_lunch' } }, 'UNKNOWN_DISCOUNT_KIND'],
    ['validFrom after validUntil', { validity: { validFrom: '2026-05-01T00:00:00Z', validUntil: '2026-04-01T00:00:00Z' } }, 'INVALID_COUPON_TEMPLATE'],
    ['validDays 0', { validity: { validDays: 0 } }, 'INVALID_COUPON_TEMPLATE'],
    ['a claim window ending before it starts', { claimStartsAt: '2026-03-02T00:00:00Z', claimEndsAt: '2026-03-01T00:00:00Z' }, 'INVALID_COUPON_TEMPLATE'],
    ['a malformed claim start', { claimStartsAt: 'tomorrow' }, 'INVALID_COUPON_TEMPLATE'],
    ['a blank name', { name: ' ' }, 'INVALID_COUPON_TEMPLATE'],
  ])('refuses %s with %s and writes nothing', async (_, overrides, code) => {
    expect(await codeOf(h.createTemplate.execute({ ...valid, ...overrides }))).toBe(code);
    expect(f.templates.all()).toEqual([]);
    expect(f.unitOfWork.runs).toBe(0);
  });
});
