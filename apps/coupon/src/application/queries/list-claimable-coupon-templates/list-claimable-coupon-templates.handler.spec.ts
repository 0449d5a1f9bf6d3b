import { beforeEach, describe, expect, it } from 'vitest';
import { CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { Validity } from '../../../domain/validity.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

const at = (iso: string) => new Date(iso);

describe('ListClaimableCouponTemplatesHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('lists only what can be claimed now, with its remaining stock', async () => {
    const open = CouponTemplateMother.stored({ name: 'Open', totalStock: 10, issued: 4, claimEndsAt: at('2026-02-02T00:00:00Z') });
    for (const template of [
      open,
      CouponTemplateMother.stored({ name: 'Paused', status: 'PAUSED' }),
      CouponTemplateMother.stored({ name: 'Welcome', grantOnRegister: true }),
      CouponTemplateMother.stored({ name: 'Sold out', totalStock: 3, issued: 3 }),
      CouponTemplateMother.stored({ name: 'Not yet', claimStartsAt: at('2026-02-01T08:00:00.001Z') }),
      CouponTemplateMother.stored({ name: 'Closed', claimEndsAt: at('2026-02-01T08:00:00.000Z') }),
      CouponTemplateMother.stored({ name: 'Over', validity: Validity.fixed(at('2026-01-01T00:00:00Z'), at('2026-02-01T08:00:00Z')) }),
    ])
      f.templates.insert(template);

    expect(await h.listClaimable.execute()).toEqual([
      {
        templateId: open.id,
        name: 'Open',
        discount: { kind: 'amount_off', amountOff: 500, minSpend: 0 },
        perUserLimit: 1,
        validity: { validDays: 30 },
        claimEndsAt: '2026-02-02T00:00:00.000Z',
        remainingStock: 6,
      },
    ]);

    f.clock.set(at('2026-02-02T00:00:00Z'));
    expect((await h.listClaimable.execute()).map((t) => t.name).sort()).toEqual(['Not yet']);
  });
});
