import { afterEach, describe, expect, it } from 'vitest';
import { Money, newId } from '@shop/shared-kernel';
import { Cleanups } from '@shop/testing';
import { CouponTemplate } from '../src/domain/coupon-template.js';
import { AmountOff } from '../src/domain/discount/amount-off.js';
import { Validity } from '../src/domain/validity.js';
import { KINDS, couponAdapters, openCouponDatabase } from './support/coupon-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');

describe.each(KINDS)('the coupon read side on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('never answers from a transaction still open (SQLite: one shared connection), here one rolled back', async () => {
    const adapters = couponAdapters((await openCouponDatabase(kind, cleanups)).transactions);
    const template = CouponTemplate.create(
      { id: newId(), name: 'Never was', discount: new AmountOff(Money.ofMinor(500)), totalStock: 10, validity: Validity.relative(7) },
      NOW,
    );
    let written!: () => void;
    const writtenInTransaction = new Promise<void>((resolve) => (written = resolve));
    let rollBack!: () => void;
    const rollBackNow = new Promise<void>((resolve) => (rollBack = resolve));
    const save = adapters.transactions.run(async () => {
      await adapters.templates.save(template);
      written();
      await rollBackNow;
      throw new Error('rolled back');
    });
    await writtenInTransaction;

    const listed = adapters.queries.listTemplatesWithCounts();
    // Given every chance to run inside the open transaction before it ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    rollBack();
    await expect(save).rejects.toThrow('rolled back');
    expect(await listed).toEqual([]);
  });
});
