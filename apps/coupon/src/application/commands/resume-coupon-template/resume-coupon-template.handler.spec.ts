import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

describe('ResumeCouponTemplateHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('resumes a paused campaign (its id in any case): claims go on', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 5, status: 'PAUSED' });
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('NOT_CLAIMABLE');

    expect(await h.resumeTemplate.execute({ templateId: template.id.toUpperCase() })).toMatchObject({ templateId: template.id, status: 'ACTIVE' });
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
    expect(f.templates.all()[0]?.status).toBe('ACTIVE');
  });

  it('loads the template with its row locked, so that a concurrent pause or resume of it waits instead of failing stale', async () => {
    const template = CouponTemplateMother.stored({ status: 'PAUSED' });
    f.templates.insert(template);
    await h.resumeTemplate.execute({ templateId: template.id });
    expect([f.templates.lookups, f.templates.lockedLookups]).toEqual([1, 1]);
  });

  it('is idempotent: resuming an active campaign answers it unchanged', async () => {
    const template = CouponTemplateMother.stored();
    f.templates.insert(template);
    expect(await h.resumeTemplate.execute({ templateId: template.id })).toMatchObject({ status: 'ACTIVE' });
    expect(await h.resumeTemplate.execute({ templateId: template.id })).toMatchObject({ status: 'ACTIVE' });
    expect(f.templates.all()[0]?.status).toBe('ACTIVE');
  });

  it('never writes back a stale issued count: coupons claimed before the pause stay counted', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 5 });
    f.templates.insert(template);
    await h.claim.execute({ templateId: template.id, userId: newId() });
    await h.claim.execute({ templateId: template.id, userId: newId() });
    await h.pauseTemplate.execute({ templateId: template.id });

    const answer = await h.resumeTemplate.execute({ templateId: template.id });
    expect(answer.remainingStock).toBe(3);
    expect(f.templates.issuedOf(template.id)).toBe(2);
  });

  it.each([newId(), 'not-a-uuid', ''])('answers TEMPLATE_NOT_FOUND for %j', async (templateId) => {
    expect(await codeOf(h.resumeTemplate.execute({ templateId }))).toBe('TEMPLATE_NOT_FOUND');
  });
});
