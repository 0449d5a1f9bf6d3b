import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

describe('PauseCouponTemplateHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('pauses a campaign: claims then answer NOT_CLAIMABLE', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 5 });
    f.templates.insert(template);

    expect(await h.pauseTemplate.execute({ templateId: template.id })).toMatchObject({ templateId: template.id, status: 'PAUSED' });
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('NOT_CLAIMABLE');
    expect(f.templates.all()[0]?.status).toBe('PAUSED');
  });

  it('loads the template with its row locked, so that a concurrent pause or resume of it waits instead of failing stale', async () => {
    const template = CouponTemplateMother.stored({ status: 'ACTIVE' });
    f.templates.insert(template);
    await h.pauseTemplate.execute({ templateId: template.id });
    expect([f.templates.lookups, f.templates.lockedLookups]).toEqual([1, 1]);
  });

  it('is idempotent: pausing a paused campaign answers it unchanged', async () => {
    const template = CouponTemplateMother.stored({ status: 'PAUSED' });
    f.templates.insert(template);
    expect(await h.pauseTemplate.execute({ templateId: template.id })).toMatchObject({ status: 'PAUSED' });
    expect(f.templates.all()[0]?.status).toBe('PAUSED');
  });

  it('never writes back a stale issued count: coupons claimed meanwhile stay counted', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 5 });
    f.templates.insert(template);
    await h.claim.execute({ templateId: template.id, userId: newId() });
    await h.claim.execute({ templateId: template.id, userId: newId() });

    const answer = await h.pauseTemplate.execute({ templateId: template.id });
    expect(answer.remainingStock).toBe(3);
    expect(f.templates.issuedOf(template.id)).toBe(2);
  });

  it('relies on a store that owns the issued counter: saving a template loaded before claims keeps them counted', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 5 });
    f.templates.insert(template);
    const loadedBeforeTheClaims = (await f.templates.findById(template.id))!;
    await h.claim.execute({ templateId: template.id, userId: newId() });

    loadedBeforeTheClaims.pause(f.clock.now());
    await f.unitOfWork.run(() => f.templates.save(loadedBeforeTheClaims));

    expect(f.templates.issuedOf(template.id)).toBe(1);
    expect(f.templates.all()[0]?.status).toBe('PAUSED');
  });

  it.each([newId(), 'not-a-uuid', ''])('answers TEMPLATE_NOT_FOUND for %j', async (templateId) => {
    expect(await codeOf(h.pauseTemplate.execute({ templateId }))).toBe('TEMPLATE_NOT_FOUND');
  });
});
