import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { Validity } from '../../../domain/validity.js';
import { couponApplicationFixture, type CouponApplicationFixture } from '../../testing/coupon-application.fixture.js';
import { couponHandlersOf } from '../../testing/coupon-handlers.js';

const at = (iso: string) => new Date(iso);

describe('ClaimCouponHandler', () => {
  let f: CouponApplicationFixture;
  let h: ReturnType<typeof couponHandlersOf>;
  beforeEach(() => {
    f = couponApplicationFixture();
    h = couponHandlersOf(f);
  });

  it('issues an AVAILABLE coupon to the user, counted against the stock, and answers its window', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 10, validity: Validity.relative(7) });
    f.templates.insert(template);
    const userId = newId();

    const answer = await h.claim.execute({ templateId: template.id, userId });

    expect(answer).toEqual({
      couponId: answer.couponId,
      templateId: template.id,
      status: 'AVAILABLE',
      validFrom: '2026-02-01T08:00:00.000Z',
      validUntil: '2026-02-08T08:00:00.000Z',
    });
    expect(f.coupons.all().map((c) => [c.id, c.userId, c.status])).toEqual([[answer.couponId, userId, 'AVAILABLE']]);
    expect(f.templates.issuedOf(template.id)).toBe(1);
    expect(f.outbox.events).toEqual([]);
  });

  it('answers LIMIT_REACHED once the user holds the template’s per-user limit, writing nothing more', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 10, perUserLimit: 2 });
    f.templates.insert(template);
    const userId = newId();

    expect(await codeOf(h.claim.execute({ templateId: template.id, userId }))).toBe('no error');
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId }))).toBe('no error');
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId }))).toBe('LIMIT_REACHED');

    expect(f.coupons.heldBy(template.id, userId)).toBe(2);
    expect(f.templates.issuedOf(template.id)).toBe(2);
    // Someone else still gets one.
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
  });

  it('a used or expired coupon still counts against the limit', async () => {
    const template = CouponTemplateMother.stored();
    f.templates.insert(template);
    const userId = newId();
    await h.claim.execute({ templateId: template.id, userId });
    const [coupon] = f.coupons.all();
    coupon!.expire(coupon!.validUntil);
    f.coupons.insert(coupon!);
    expect(f.coupons.all()[0]?.status).toBe('EXPIRED');

    expect(await codeOf(h.claim.execute({ templateId: template.id, userId }))).toBe('LIMIT_REACHED');
  });

  it('answers SOLD_OUT once the stock is gone, then from the sold-out memory without touching the repositories', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 1 });
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');

    // The read shows it sold out: refused and remembered.
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('SOLD_OUT');
    expect(f.soldOut.has(template.id)).toBe(true);

    const [lookups, issues, runs] = [f.templates.lookups, f.coupons.issues, f.unitOfWork.runs];
    for (let i = 0; i < 100; i++) expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('SOLD_OUT');
    expect([f.templates.lookups, f.coupons.issues, f.unitOfWork.runs]).toEqual([lookups, issues, runs]);
    expect(f.coupons.all()).toHaveLength(1);
  });

  it('answers SOLD_OUT when the store refuses the last one to a concurrent claim (read said one left), remembers it, leaves nothing written', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 1 });
    f.templates.insert(template);
    // Another instance takes the last coupon between this claim's read and its issue.
    f.coupons.beforeIssue = async () => {
      f.coupons.beforeIssue = undefined;
      await f.templates.incrementIssuedIfInStock(template.id);
    };

    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('SOLD_OUT');
    expect(f.soldOut.has(template.id)).toBe(true);
    expect(f.coupons.all()).toEqual([]);
  });

  it('never issues more than the stock nor more than the limit when many claim at once', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 30, perUserLimit: 1 });
    f.templates.insert(template);
    const users = Array.from({ length: 50 }, () => newId());

    const outcomes = await Promise.all(
      users.flatMap((userId) => [userId, userId]).map((userId) => codeOf(h.claim.execute({ templateId: template.id, userId }))),
    );

    expect(outcomes.filter((o) => o === 'no error')).toHaveLength(30);
    expect(new Set(outcomes)).toEqual(new Set(['no error', 'SOLD_OUT', 'LIMIT_REACHED']));
    expect(f.coupons.all()).toHaveLength(30);
    expect(f.templates.issuedOf(template.id)).toBe(30);
    for (const userId of users) expect(f.coupons.heldBy(template.id, userId)).toBeLessThanOrEqual(1);
  });

  it.each<[string, Parameters<typeof CouponTemplateMother.stored>[0]]>([
    ['paused', { status: 'PAUSED' }],
    ['before its claim window', { claimStartsAt: at('2026-02-01T08:00:00.001Z') }],
    ['at the end of its claim window', { claimEndsAt: at('2026-02-01T08:00:00.000Z') }],
    ['with its fixed validity over', { validity: Validity.fixed(at('2026-01-01T00:00:00Z'), at('2026-02-01T08:00:00Z')) }],
  ])('answers NOT_CLAIMABLE for a template %s, writing nothing', async (_, overrides) => {
    const template = CouponTemplateMother.stored(overrides);
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('NOT_CLAIMABLE');
    expect(f.coupons.all()).toEqual([]);
    expect(f.soldOut.has(template.id)).toBe(false);
  });

  it('answers NOT_CLAIMABLE (WELCOME_ONLY) for a welcome campaign, read once, writing nothing', async () => {
    const template = CouponTemplateMother.stored({ grantOnRegister: true, totalStock: 10 });
    f.templates.insert(template);
    const claim = h.claim.execute({ templateId: template.id, userId: newId() });
    await expect(claim).rejects.toMatchObject({ code: 'NOT_CLAIMABLE', reason: 'WELCOME_ONLY' });
    // Its definition is remembered: the next claim is refused without a read.
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('NOT_CLAIMABLE');
    expect(f.templates.lookups).toBe(1);
    expect(f.coupons.all()).toEqual([]);
    expect(f.templates.issuedOf(template.id)).toBe(0);
  });

  it('answers NOT_CLAIMABLE for an unknown template, and for a malformed id without a look-up', async () => {
    expect(await codeOf(h.claim.execute({ templateId: newId(), userId: newId() }))).toBe('NOT_CLAIMABLE');
    expect(f.templates.lookups).toBe(1);
    expect(await codeOf(h.claim.execute({ templateId: 'not-a-uuid', userId: newId() }))).toBe('NOT_CLAIMABLE');
    expect(f.templates.lookups).toBe(1);
  });

  it('reads a template once: later claims on this instance use its definition, the store alone deciding stock and status', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 10 });
    f.templates.insert(template);
    for (let i = 0; i < 5; i++) expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
    expect(f.templates.lookups).toBe(1);
    expect(f.templates.issuedOf(template.id)).toBe(5);
    // Another handler (another instance) reads it once too.
    const other = couponHandlersOf(f).claim;
    expect(await codeOf(other.execute({ templateId: template.id.toUpperCase(), userId: newId() }))).toBe('no error');
    expect(f.templates.lookups).toBe(2);
  });

  it('answers NOT_CLAIMABLE once a template it knows is paused (by the store, the claim rolled back whole), and claims again once resumed', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 10 });
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
    await h.pauseTemplate.execute({ templateId: template.id });
    const lookups = f.templates.lookups;

    const userId = newId();
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId }))).toBe('NOT_CLAIMABLE');
    expect(f.templates.lookups).toBe(lookups);
    expect(f.coupons.heldBy(template.id, userId)).toBe(0);
    expect(f.templates.issuedOf(template.id)).toBe(1);
    expect(f.soldOut.has(template.id)).toBe(false);

    await h.resumeTemplate.execute({ templateId: template.id });
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId }))).toBe('no error');
    expect(f.templates.issuedOf(template.id)).toBe(2);
  });

  it('answers SOLD_OUT (remembered) when the stock of a template it knows runs out on another instance', async () => {
    const template = CouponTemplateMother.stored({ totalStock: 2 });
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
    await f.templates.incrementIssuedIfInStock(template.id);

    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('SOLD_OUT');
    expect(f.soldOut.has(template.id)).toBe(true);
    expect(f.coupons.all()).toHaveLength(1);
  });

  it('checks the claim window and the validity of a template it knows against the clock, without a transaction', async () => {
    const template = CouponTemplateMother.stored({ claimEndsAt: at('2026-02-01T09:00:00.000Z') });
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
    f.clock.set(at('2026-02-01T09:00:00.000Z'));
    const runs = f.unitOfWork.runs;

    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('NOT_CLAIMABLE');
    expect(f.unitOfWork.runs).toBe(runs);
    expect(f.templates.lookups).toBe(1);
  });

  it('reads an unknown template each time: created later, it is found', async () => {
    const template = CouponTemplateMother.stored();
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('NOT_CLAIMABLE');
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
    expect(f.templates.lookups).toBe(2);
  });

  it('claims inside the window, at its start', async () => {
    const template = CouponTemplateMother.stored({ claimStartsAt: at('2026-02-01T08:00:00.000Z'), claimEndsAt: at('2026-02-01T08:00:00.001Z') });
    f.templates.insert(template);
    expect(await codeOf(h.claim.execute({ templateId: template.id, userId: newId() }))).toBe('no error');
  });
});
