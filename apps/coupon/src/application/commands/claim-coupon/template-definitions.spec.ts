import { describe, expect, it } from 'vitest';
import { CouponTemplateMother } from '../../../domain/testing/coupon.mother.js';
import { TemplateDefinitions } from './template-definitions.js';

describe('TemplateDefinitions', () => {
  it('keeps a template’s definition, found by its id in any letter case, without its status or issued count', () => {
    const definitions = new TemplateDefinitions();
    const template = CouponTemplateMother.stored({ status: 'PAUSED', issued: 100, totalStock: 100, perUserLimit: 3, name: 'Flash' });
    expect(definitions.get(template.id)).toBeUndefined();

    const definition = definitions.remember(template);

    expect(definitions.get(template.id.toUpperCase())).toBe(definition);
    expect(definition.toSnapshot()).toEqual({ ...template.toSnapshot(), status: 'ACTIVE', issued: 0 });
    // The store decides status and stock: the definition lets only the window and the validity refuse.
    expect(definition.issueCoupon(template.id, template.id, new Date('2026-02-01T00:00:00Z')).templateName).toBe('Flash');
    // Remembered once: a later read changes nothing.
    expect(definitions.remember(CouponTemplateMother.stored({ ...template.toSnapshot(), name: 'Other' }))).toBe(definition);
    expect(definitions.size).toBe(1);
  });

  it('is bounded: past its capacity the oldest definition is forgotten first', () => {
    const definitions = new TemplateDefinitions(2);
    const [a, b, c] = [CouponTemplateMother.stored(), CouponTemplateMother.stored(), CouponTemplateMother.stored()];
    for (const template of [a, b, c]) definitions.remember(template);
    expect([a, b, c].map((template) => definitions.get(template.id) !== undefined)).toEqual([false, true, true]);
    expect(definitions.size).toBe(2);
  });

  it('holds 1,000 definitions by default', () => {
    const definitions = new TemplateDefinitions();
    const first = CouponTemplateMother.stored();
    definitions.remember(first);
    for (let i = 0; i < 999; i++) definitions.remember(CouponTemplateMother.stored());
    expect(definitions.get(first.id)).toBeDefined();
    definitions.remember(CouponTemplateMother.stored());
    expect(definitions.get(first.id)).toBeUndefined();
    expect(definitions.size).toBe(1_000);
  });

  it.each([0, -1, 1.5])('refuses a capacity of %s', (capacity) => {
    expect(() => new TemplateDefinitions(capacity)).toThrow();
  });
});
