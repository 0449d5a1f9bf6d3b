import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';
import { welcomeGrantKey } from './grant-welcome-coupons.handler.js';

describe('GrantWelcomeCouponsHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  const userId = newId();
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('grants one coupon of every active grantOnRegister campaign claimable now, and nothing of the others', async () => {
    const welcome = CouponTemplateMother.stored({ name: 'Welcome', grantOnRegister: true });
    const secondWelcome = CouponTemplateMother.stored({ name: 'Welcome 2', grantOnRegister: true, perUserLimit: 5 });
    const paused = CouponTemplateMother.stored({ grantOnRegister: true, status: 'PAUSED' });
    const notYet = CouponTemplateMother.stored({ grantOnRegister: true, claimStartsAt: new Date('2026-03-01T00:00:00Z') });
    const ordinary = CouponTemplateMother.stored({ grantOnRegister: false });
    for (const template of [welcome, secondWelcome, paused, notYet, ordinary]) f.templates.insert(template);

    const result = await h.grantWelcome.execute({ userId });

    expect(result.granted.map((g) => g.templateId).sort()).toEqual([welcome.id, secondWelcome.id].sort());
    expect(result.skipped).toEqual([{ templateId: notYet.id, reason: 'NOT_CLAIMABLE' }]);
    expect(
      f.coupons
        .all()
        .map((c) => [c.templateId, c.userId, c.status])
        .sort(),
    ).toEqual(
      [
        [welcome.id, userId, 'AVAILABLE'],
        [secondWelcome.id, userId, 'AVAILABLE'],
      ].sort(),
    );
    expect(f.coupons.hasGrantKey(welcomeGrantKey(welcome.id, userId))).toBe(true);
    expect(f.unitOfWork.commits).toBe(1);
  });

  it('grants once however often the registration is delivered, also above a per-user limit of one', async () => {
    const welcome = CouponTemplateMother.stored({ grantOnRegister: true, perUserLimit: 5 });
    f.templates.insert(welcome);

    await h.grantWelcome.execute({ userId });
    const again = await h.grantWelcome.execute({ userId });

    expect(again).toEqual({ granted: [], skipped: [{ templateId: welcome.id, reason: 'LIMIT_REACHED' }] });
    expect(f.coupons.all()).toHaveLength(1);
    expect(f.templates.issuedOf(welcome.id)).toBe(1);
  });

  it('skips a sold-out campaign (by the read, or by the store), leaving nothing of it written, and still grants the others', async () => {
    const soldOutByRead = CouponTemplateMother.stored({ grantOnRegister: true, totalStock: 1, issued: 1 });
    const soldOutByStore = CouponTemplateMother.stored({ grantOnRegister: true, totalStock: 1 });
    const available = CouponTemplateMother.stored({ grantOnRegister: true, totalStock: 1 });
    for (const template of [soldOutByRead, soldOutByStore, available]) f.templates.insert(template);
    // Between the read and the issue another user's grant takes soldOutByStore's last coupon.
    f.coupons.beforeIssue = async () => {
      f.coupons.beforeIssue = undefined;
      await f.templates.incrementIssuedIfInStock(soldOutByStore.id);
    };

    const result = await h.grantWelcome.execute({ userId });

    expect(result.granted.map((g) => g.templateId)).toEqual([available.id]);
    expect(result.skipped).toEqual([
      { templateId: soldOutByRead.id, reason: 'SOLD_OUT' },
      { templateId: soldOutByStore.id, reason: 'SOLD_OUT' },
    ]);
    expect(f.coupons.all().map((c) => c.templateId)).toEqual([available.id]);
    expect(f.coupons.hasGrantKey(welcomeGrantKey(soldOutByStore.id, userId))).toBe(false);
    expect([f.templates.issuedOf(soldOutByRead.id), f.templates.issuedOf(soldOutByStore.id), f.templates.issuedOf(available.id)]).toEqual([1, 1, 1]);
    expect(f.soldOut.has(soldOutByRead.id) && f.soldOut.has(soldOutByStore.id)).toBe(true);
  });

  it('skips a campaign paused between its read and its grant (NOT_CLAIMABLE), leaving nothing of it, and still grants the others', async () => {
    const pausedMeanwhile = CouponTemplateMother.stored({ grantOnRegister: true });
    const available = CouponTemplateMother.stored({ grantOnRegister: true });
    for (const template of [pausedMeanwhile, available]) f.templates.insert(template);
    f.coupons.beforeIssue = () => {
      f.coupons.beforeIssue = undefined;
      f.templates.insert(CouponTemplateMother.stored({ ...pausedMeanwhile.toSnapshot(), status: 'PAUSED' }));
    };

    const result = await h.grantWelcome.execute({ userId });

    expect(result.granted.map((g) => g.templateId)).toEqual([available.id]);
    expect(result.skipped).toEqual([{ templateId: pausedMeanwhile.id, reason: 'NOT_CLAIMABLE' }]);
    expect(f.coupons.all().map((c) => c.templateId)).toEqual([available.id]);
    expect([f.templates.issuedOf(pausedMeanwhile.id), f.templates.issuedOf(available.id)]).toEqual([0, 1]);
    expect(f.unitOfWork.commits).toBe(1);
  });

  it('skips a campaign whose limit the user already reached (a coupon of it held without a grant key, as claims made before welcome campaigns were closed to them)', async () => {
    const welcome = CouponTemplateMother.stored({ grantOnRegister: true });
    f.templates.insert(welcome);
    expect(await f.unitOfWork.run(() => f.coupons.issue(welcome.issueCoupon(newId(), userId, f.clock.now()), welcome))).toBe('issued');

    expect(await h.grantWelcome.execute({ userId })).toEqual({ granted: [], skipped: [{ templateId: welcome.id, reason: 'LIMIT_REACHED' }] });
    expect(f.coupons.all()).toHaveLength(1);
  });

  it('grants nothing when there is no welcome campaign', async () => {
    expect(await h.grantWelcome.execute({ userId })).toEqual({ granted: [], skipped: [] });
  });
});
