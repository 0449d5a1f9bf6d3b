import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

describe('ListCouponTemplatesHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('lists every campaign newest first, paused ones too, with issued, used and remaining counts', async () => {
    const older = CouponTemplateMother.stored({ name: 'Older', totalStock: 10, createdAt: new Date('2026-01-01T00:00:00Z') });
    const newer = CouponTemplateMother.stored({ name: 'Newer', status: 'PAUSED', createdAt: new Date('2026-01-02T00:00:00Z') });
    f.templates.insert(older);
    f.templates.insert(newer);
    const userId = newId();
    const { couponId } = await h.claim.execute({ templateId: older.id, userId });
    await h.claim.execute({ templateId: older.id, userId: newId() });
    const orderId = newId();
    await h.reserve.execute({ orderId, userId, couponId, subtotal: 1_000 });
    await h.confirm.execute({ orderId });

    const list = await h.listTemplates.execute();

    expect(list.map((t) => [t.name, t.status, t.issued, t.used, t.remainingStock])).toEqual([
      ['Newer', 'PAUSED', 0, 0, 100],
      ['Older', 'ACTIVE', 2, 1, 8],
    ]);
    expect(list[1]).toMatchObject({
      templateId: older.id,
      totalStock: 10,
      discount: { kind: 'amount_off', amountOff: 500, minSpend: 0 },
      validity: { validDays: 30 },
    });
  });
});
