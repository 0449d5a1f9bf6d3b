import { describe, expect, it } from 'vitest';
import { Money, newId } from '@shop/shared-kernel';
import { CouponTemplate, type CreateCouponTemplateProps } from './coupon-template.js';
import { NotClaimableError, SoldOutError } from './coupon.errors.js';
import { AmountOff } from './discount/amount-off.js';
import { PercentOff } from './discount/percent-off.js';
import { CouponTemplateMother } from './testing/coupon.mother.js';
import { Validity } from './validity.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const at = (iso: string) => new Date(iso);
const props = (overrides: Partial<CreateCouponTemplateProps> = {}): CreateCouponTemplateProps => ({
  id: newId(),
  name: 'Spring sale',
  discount: new AmountOff(Money.ofMinor(500)),
  totalStock: 300,
  validity: Validity.relative(30),
  ...overrides,
});
const invalid = (field: string) => expect.objectContaining({ code: 'INVALID_COUPON_TEMPLATE', details: { field } });

describe('CouponTemplate.create', () => {
  it('opens an ACTIVE campaign with nothing issued, defaults filled in, and records CouponTemplateCreated', () => {
    const template = CouponTemplate.create(props({ name: '  Spring sale  ' }), now);

    expect(template.toSnapshot()).toMatchObject({
      name: 'Spring sale',
      totalStock: 300,
      perUserLimit: 1,
      claimStartsAt: null,
      claimEndsAt: null,
      grantOnRegister: false,
      status: 'ACTIVE',
      issued: 0,
      createdAt: now,
      version: 0,
    });
    expect(template.remainingStock).toBe(300);
    expect(template.pullDomainEvents()).toEqual([
      {
        type: 'CouponTemplateCreated',
        aggregateId: template.id,
        occurredAt: now,
        name: 'Spring sale',
        discount: { kind: 'amount_off', amountOff: 500, minSpend: 0 },
        totalStock: 300,
      },
    ]);
  });

  it('takes any printable name, the joiners and tags emoji are made of included', () => {
    for (const name of ['春の大セール 👩‍💻', 'Pride 🏳️‍🌈', 'Zoé’s 50% off — today!']) {
      expect(CouponTemplate.create(props({ name }), now).name).toBe(name);
    }
  });

  it('takes the bounds themselves: stock 1 and 10,000,000, limit 1 and 100, a 100-character name', () => {
    expect(() => CouponTemplate.create(props({ totalStock: 1, perUserLimit: 100, name: '券'.repeat(100) }), now)).not.toThrow();
    expect(() => CouponTemplate.create(props({ totalStock: 10_000_000 }), now)).not.toThrow();
  });

  it.each<[Partial<CreateCouponTemplateProps>, string]>([
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: '\u200b\u200b' }, 'name'],
    [{ name: 'a'.repeat(101) }, 'name'],
    [{ name: 'Spring\nsale' }, 'name'],
    [{ name: 'Spring\u0000sale' }, 'name'],
    [{ name: 'Spring\u202Eelas' }, 'name'],
    [{ name: 'Spring\u200bsale' }, 'name'],
    [{ name: 'Spring\u200esale' }, 'name'],
    [{ name: 'Spring sale\u200f' }, 'name'],
    [{ name: '\ufeffSpring sale' }, 'name'],
    [{ name: 'Spring sale\u2060' }, 'name'],
    [{ name: 'Spr\u00ading sale' }, 'name'],
    [{ name: 'Spring sale\u200d' }, 'name'],
    [{ name: 'Spring sale\ue000' }, 'name'],
    [{ name: '\u3164\u3164' }, 'name'],
    [{ name: 'Spring\u3164sale' }, 'name'],
    [{ name: '\u2800' }, 'name'],
    [{ name: 'Spring\ud800sale' }, 'name'],
    [{ name: '\u3000\u00a0 ' }, 'name'],
    [{ totalStock: 0 }, 'totalStock'],
    [{ totalStock: -5 }, 'totalStock'],
    [{ totalStock: 10_000_001 }, 'totalStock'],
    [{ totalStock: 1.5 }, 'totalStock'],
    [{ perUserLimit: 0 }, 'perUserLimit'],
    [{ perUserLimit: 101 }, 'perUserLimit'],
    [{ claimStartsAt: at('2026-03-02T00:00:00Z'), claimEndsAt: at('2026-03-02T00:00:00Z') }, 'claimEndsAt'],
    [{ claimStartsAt: at('2026-03-03T00:00:00Z'), claimEndsAt: at('2026-03-02T00:00:00Z') }, 'claimEndsAt'],
    [{ claimStartsAt: new Date(Number.NaN) }, 'claimStartsAt'],
    [{ validity: Validity.fixed(at('2026-03-01T00:00:00Z'), at('2026-04-01T00:00:00Z')), claimStartsAt: at('2026-04-01T00:00:00Z') }, 'claimStartsAt'],
  ])('refuses %j with INVALID_COUPON_TEMPLATE naming %s, recording nothing', (overrides, field) => {
    expect(() => CouponTemplate.create(props(overrides), now)).toThrow(invalid(field));
  });
});

describe('CouponTemplate pause and resume', () => {
  it('pauses an active template and resumes it, recording each move', () => {
    const template = CouponTemplateMother.stored();
    template.pause(now);
    expect(template.status).toBe('PAUSED');
    template.resume(now);
    expect(template.status).toBe('ACTIVE');
    expect(template.pullDomainEvents()).toEqual([
      { type: 'CouponTemplatePaused', aggregateId: template.id, occurredAt: now },
      { type: 'CouponTemplateResumed', aggregateId: template.id, occurredAt: now },
    ]);
  });

  it('pausing a paused template and resuming an active one change nothing and record nothing', () => {
    const paused = CouponTemplateMother.stored({ status: 'PAUSED' });
    paused.pause(now);
    expect(paused.status).toBe('PAUSED');
    const active = CouponTemplateMother.stored();
    active.resume(now);
    expect(active.status).toBe('ACTIVE');
    expect([...paused.pullDomainEvents(), ...active.pullDomainEvents()]).toEqual([]);
  });
});

describe('CouponTemplate claim window', () => {
  const reasonAt = (template: CouponTemplate, when: Date) => {
    try {
      template.claimableAt(when);
      return 'claimable';
    } catch (error) {
      expect(error).toBeInstanceOf(NotClaimableError);
      expect(error).toMatchObject({ code: 'NOT_CLAIMABLE' });
      return (error as NotClaimableError).reason;
    }
  };

  it('is claimable from claimStartsAt (inclusive) until claimEndsAt (exclusive)', () => {
    const template = CouponTemplateMother.stored({ claimStartsAt: at('2026-03-01T10:00:00Z'), claimEndsAt: at('2026-03-01T12:00:00Z') });
    expect(reasonAt(template, at('2026-03-01T09:59:59.999Z'))).toBe('CLAIM_NOT_STARTED');
    expect(reasonAt(template, at('2026-03-01T10:00:00.000Z'))).toBe('claimable');
    expect(reasonAt(template, at('2026-03-01T11:59:59.999Z'))).toBe('claimable');
    expect(reasonAt(template, at('2026-03-01T12:00:00.000Z'))).toBe('CLAIM_ENDED');
    expect(template.isClaimableAt(at('2026-03-01T11:00:00Z'))).toBe(true);
    expect(template.isClaimableAt(at('2026-03-01T12:00:00Z'))).toBe(false);
  });

  it('without a window, is claimable whenever active', () => {
    expect(reasonAt(CouponTemplateMother.stored(), at('1999-01-01T00:00:00Z'))).toBe('claimable');
  });

  it('is not claimable while paused', () => {
    expect(reasonAt(CouponTemplateMother.stored({ status: 'PAUSED' }), now)).toBe('PAUSED');
  });

  it('is not claimable once its fixed validity has ended (at validUntil itself)', () => {
    const template = CouponTemplateMother.stored({ validity: Validity.fixed(at('2026-02-01T00:00:00Z'), at('2026-03-01T12:00:00Z')) });
    expect(reasonAt(template, at('2026-03-01T11:59:59.999Z'))).toBe('claimable');
    expect(reasonAt(template, at('2026-03-01T12:00:00.000Z'))).toBe('VALIDITY_ENDED');
  });
});

describe('CouponTemplate.issueCoupon', () => {
  it('issues an AVAILABLE coupon with the window of a relative validity, the discount and the name copied, recording CouponIssued', () => {
    const template = CouponTemplateMother.stored({ name: 'Welcome', discount: new PercentOff(10, Money.ofMinor(2_000)), validity: Validity.relative(7) });
    const userId = newId();
    const couponId = newId();

    const coupon = template.issueCoupon(couponId, userId, now);

    expect(coupon.toSnapshot()).toEqual({
      id: couponId,
      templateId: template.id,
      templateName: 'Welcome',
      userId,
      discount: template.discount,
      validFrom: now,
      validUntil: at('2026-03-08T12:00:00.000Z'),
      status: 'AVAILABLE',
      orderId: null,
      issuedAt: now,
      version: 0,
    });
    expect(coupon.pullDomainEvents()).toEqual([
      {
        type: 'CouponIssued',
        aggregateId: couponId,
        occurredAt: now,
        templateId: template.id,
        userId,
        validFrom: now,
        validUntil: at('2026-03-08T12:00:00.000Z'),
      },
    ]);
    // The store counts issued coupons, not the template in memory.
    expect(template.issued).toBe(0);
    expect(template.pullDomainEvents()).toEqual([]);
  });

  it('gives a fixed validity’s window, also to a coupon claimed before it starts', () => {
    const template = CouponTemplateMother.stored({ validity: Validity.fixed(at('2026-04-01T00:00:00Z'), at('2026-05-01T00:00:00Z')) });
    const coupon = template.issueCoupon(newId(), newId(), now);
    expect([coupon.validFrom, coupon.validUntil]).toEqual([at('2026-04-01T00:00:00Z'), at('2026-05-01T00:00:00Z')]);
  });

  it('refuses when sold out by what was loaded (SOLD_OUT), and counts remaining stock', () => {
    const template = CouponTemplateMother.stored({ totalStock: 3, issued: 3 });
    expect(template.remainingStock).toBe(0);
    expect(template.isSoldOut).toBe(true);
    expect(() => template.issueCoupon(newId(), newId(), now)).toThrow(SoldOutError);
    expect(() => template.issueCoupon(newId(), newId(), now)).toThrow(expect.objectContaining({ code: 'SOLD_OUT' }));
    expect(CouponTemplateMother.stored({ totalStock: 3, issued: 2 }).remainingStock).toBe(1);
  });

  it('refuses when not claimable (NOT_CLAIMABLE) before looking at stock', () => {
    const template = CouponTemplateMother.stored({ status: 'PAUSED', totalStock: 1, issued: 1 });
    expect(() => template.issueCoupon(newId(), newId(), now)).toThrow(expect.objectContaining({ code: 'NOT_CLAIMABLE' }));
  });

  it('claimCoupon refuses a welcome campaign (NOT_CLAIMABLE, WELCOME_ONLY), which issueCoupon (the welcome grant) still issues', () => {
    const welcome = CouponTemplateMother.stored({ grantOnRegister: true });
    expect(() => welcome.claimCoupon(newId(), newId(), now)).toThrow(expect.objectContaining({ code: 'NOT_CLAIMABLE', reason: 'WELCOME_ONLY' }));
    expect(welcome.issueCoupon(newId(), newId(), now).status).toBe('AVAILABLE');
    const userId = newId();
    expect(CouponTemplateMother.stored().claimCoupon(newId(), userId, now).userId).toBe(userId);
    // A campaign open to claims keeps its other refusals.
    expect(() => CouponTemplateMother.stored({ status: 'PAUSED' }).claimCoupon(newId(), newId(), now)).toThrow(expect.objectContaining({ reason: 'PAUSED' }));
  });

  it('restores from a snapshot without recording anything', () => {
    const original = CouponTemplate.create(props({ claimStartsAt: at('2026-03-02T00:00:00Z'), grantOnRegister: true }), now);
    const restored = CouponTemplate.restore(original.toSnapshot());
    expect(restored.toSnapshot()).toEqual(original.toSnapshot());
    expect(restored.pullDomainEvents()).toEqual([]);
  });
});
