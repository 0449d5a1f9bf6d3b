import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { CouponTemplateMother } from '../../domain/testing/coupon.mother.js';
import { RefusedIssueCommitError } from '../ports/coupon.repository.js';
import { couponApplicationFixture } from './coupon-application.fixture.js';

const NOW = new Date('2026-02-01T08:00:00.000Z');

describe('InMemoryCouponRepository.issue keeps the real store’s promises on a refusal', () => {
  it('without undoOnRefusal, the transaction can no longer commit (the real store’s writes would still be in it)', async () => {
    const f = couponApplicationFixture();
    const template = CouponTemplateMother.stored({ totalStock: 1, issued: 1 });
    f.templates.insert(template);
    // As a template read before it sold out.
    const definition = CouponTemplateMother.stored({ ...template.toSnapshot(), issued: 0 });

    const attempt = f.unitOfWork.run(async () => f.coupons.issue(definition.issueCoupon(newId(), newId(), NOW), definition));

    await expect(attempt).rejects.toBeInstanceOf(RefusedIssueCommitError);
    expect(f.unitOfWork.commits).toBe(0);
  });

  it.each([
    ['sold_out', { totalStock: 1, issued: 1 }],
    ['not_claimable', { status: 'PAUSED' as const }],
  ])('with undoOnRefusal, answers %s and the transaction commits with nothing of it', async (outcome, overrides) => {
    const f = couponApplicationFixture();
    const template = CouponTemplateMother.stored(overrides);
    f.templates.insert(template);
    const definition = CouponTemplateMother.stored({ ...template.toSnapshot(), status: 'ACTIVE', issued: 0 });

    const answer = await f.unitOfWork.run(async () => f.coupons.issue(definition.issueCoupon(newId(), newId(), NOW), definition, { undoOnRefusal: true }));

    expect(answer).toBe(outcome);
    expect(f.unitOfWork.commits).toBe(1);
    expect(f.coupons.all()).toEqual([]);
  });
});
