import { afterEach, describe, expect, it } from 'vitest';
import type { TransactionHost } from '@shop/persistence';
import { Money, newId } from '@shop/shared-kernel';
import { Cleanups } from '@shop/testing';
import type { IssueOutcome } from '../src/application/ports/coupon.repository.js';
import { CouponTemplate } from '../src/domain/coupon-template.js';
import { SoldOutError } from '../src/domain/coupon.errors.js';
import { AmountOff } from '../src/domain/discount/amount-off.js';
import { Validity } from '../src/domain/validity.js';
import { couponAdapters, openCouponDatabase, type CouponAdapters, type CouponDatabase } from './support/coupon-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
// Thousands of transactions queue for a few connections on a shared 2-core machine: the pool wait and
// the lock wait are deadlines of "never answered", not of "slow", here.
const PATIENT = { connectTimeoutMs: 120_000, lockTimeoutMs: 60_000, statementTimeoutMs: 60_000 };

/** Thrown to roll a claim back after a refusal, as the claim handler does. */
class Refused extends Error {
  constructor(readonly outcome: IssueOutcome) {
    super(outcome);
  }
}

/**
 * One claim as the flash-sale path makes it, on one instance: read the template (or take one read
 * before the sale began, so that only the store can refuse), let it issue a coupon, and have the
 * store decide. Half the callers roll back on a refusal, with no savepoint (as the claim handler
 * does), the other half undo it and commit anyway (as the welcome grant does): either way nothing of
 * a refusal may stay.
 */
async function claim(
  instance: CouponAdapters,
  templateId: string,
  userId: string,
  options: { commitOnRefusal: boolean; stale?: CouponTemplate },
): Promise<IssueOutcome> {
  const { commitOnRefusal, stale } = options;
  try {
    return await instance.transactions.run(async () => {
      const template = stale ?? (await instance.templates.findById(templateId))!;
      let coupon;
      try {
        coupon = template.issueCoupon(newId(), userId, NOW);
      } catch (error) {
        // Sold out by the read already: nothing was written.
        if (error instanceof SoldOutError) return 'sold_out';
        throw error;
      }
      const outcome = await instance.coupons.issue(coupon, template, { undoOnRefusal: commitOnRefusal });
      if (outcome !== 'issued' && !commitOnRefusal) throw new Refused(outcome);
      return outcome;
    });
  } catch (error) {
    if (error instanceof Refused) return error.outcome;
    throw error;
  }
}

/** Every user claims `claimsPerUser` times, all at once, the claims dealt round-robin to the instances in a shuffled order. */
async function stampede(instances: readonly CouponAdapters[], templateId: string, users: readonly string[], claimsPerUser: number) {
  const claims = users.flatMap((userId) => Array.from({ length: claimsPerUser }, () => userId));
  for (let i = claims.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [claims[i], claims[j]] = [claims[j]!, claims[i]!];
  }
  // Read before the sale: every claim made with it says "in stock", and only the store can refuse.
  const before = await Promise.all(instances.map(async (instance) => (await instance.templates.findById(templateId))!));
  const settled = await Promise.allSettled(
    claims.map((userId, i) =>
      claim(instances[i % instances.length]!, templateId, userId, {
        commitOnRefusal: i % 2 === 0,
        stale: i % 4 < 2 ? before[i % instances.length] : undefined,
      }),
    ),
  );
  const errors = settled.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  const outcomes = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const tally = (outcome: IssueOutcome) => outcomes.filter((value) => value === outcome).length;
  return { errors, issued: tally('issued'), soldOut: tally('sold_out'), limitReached: tally('limit_reached'), total: claims.length };
}

async function storedTemplate(instance: CouponAdapters, totalStock: number, perUserLimit: number): Promise<CouponTemplate> {
  const template = CouponTemplate.create(
    { id: newId(), name: 'Flash sale', discount: new AmountOff(Money.ofMinor(1000)), totalStock, perUserLimit, validity: Validity.relative(7) },
    NOW,
  );
  await instance.transactions.run(() => instance.templates.save(template));
  return template;
}

/** What the store holds for the template: coupons, their owners, the counters. */
async function storeOf(database: CouponDatabase, templateId: string) {
  const p = database.kind === 'postgres' ? (n: number) => `$${n}` : () => '?';
  const [template] = await database.query<{ issued: number; total_stock: number }>(`SELECT issued, total_stock FROM coupon_template WHERE id = ${p(1)}`, [
    templateId,
  ]);
  const perUser = await database.query<{ user_id: string; n: string | number }>(
    `SELECT user_id, COUNT(*) AS n FROM coupon WHERE template_id = ${p(1)} GROUP BY user_id`,
    [templateId],
  );
  const claimCounts = await database.query<{ user_id: string; claimed: number }>(
    `SELECT user_id, claimed FROM coupon_claim_count WHERE template_id = ${p(1)}`,
    [templateId],
  );
  return {
    issued: Number(template!.issued),
    remaining: Number(template!.total_stock) - Number(template!.issued),
    coupons: perUser.reduce((sum, row) => sum + Number(row.n), 0),
    mostPerUser: Math.max(0, ...perUser.map((row) => Number(row.n))),
    couponsPerUser: new Map(perUser.map((row) => [row.user_id, Number(row.n)])),
    claimCounts: new Map(claimCounts.map((row) => [row.user_id, Number(row.claimed)])),
  };
}

describe('CouponRepository.issue under a flash sale', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  describe('on PostgreSQL, two instances (two data sources, two pools) on one database', () => {
    async function twoInstances(): Promise<{ database: CouponDatabase; instances: CouponAdapters[] }> {
      const database = await openCouponDatabase('postgres', cleanups, { poolSize: 8, timeouts: PATIENT });
      const other: TransactionHost = await database.openAnotherInstance({ poolSize: 8, timeouts: PATIENT });
      return { database, instances: [couponAdapters(database.transactions), couponAdapters(other)] };
    }

    it('2,000 claims from 1,000 users on a stock of 300, limit 1: exactly 300 coupons, nobody above the limit, stock never negative', async () => {
      const { database, instances } = await twoInstances();
      const template = await storedTemplate(instances[0]!, 300, 1);
      const users = Array.from({ length: 1000 }, () => newId());

      const result = await stampede(instances, template.id, users, 2);

      expect(result.errors).toEqual([]);
      expect(result.issued).toBe(300);
      expect(result.issued + result.soldOut + result.limitReached).toBe(2000);
      const store = await storeOf(database, template.id);
      expect(store.coupons).toBe(300);
      expect(store.issued).toBe(300);
      expect(store.remaining).toBe(0);
      expect(store.mostPerUser).toBe(1);
      // The per-user counter says exactly what the coupons say: no count left behind by a refusal.
      expect(store.claimCounts).toEqual(store.couponsPerUser);
    }, 300_000);

    it('a per-user limit above 1: 300 users claim 4 times each on a stock of 500, limit 3', async () => {
      const { database, instances } = await twoInstances();
      const template = await storedTemplate(instances[0]!, 500, 3);
      const users = Array.from({ length: 300 }, () => newId());

      const result = await stampede(instances, template.id, users, 4);

      expect(result.errors).toEqual([]);
      expect(result.issued).toBe(500);
      const store = await storeOf(database, template.id);
      expect(store.coupons).toBe(500);
      expect(store.issued).toBe(500);
      expect(store.mostPerUser).toBeLessThanOrEqual(3);
      expect(store.claimCounts).toEqual(store.couponsPerUser);
    }, 300_000);

    it('a per-user limit above 1 with stock to spare: everyone gets exactly the limit', async () => {
      const { database, instances } = await twoInstances();
      const template = await storedTemplate(instances[0]!, 10_000, 3);
      const users = Array.from({ length: 150 }, () => newId());

      const result = await stampede(instances, template.id, users, 5);

      expect(result.errors).toEqual([]);
      expect(result).toMatchObject({ issued: 450, soldOut: 0, limitReached: 300 });
      const store = await storeOf(database, template.id);
      expect(store.issued).toBe(450);
      expect([...store.couponsPerUser.values()].every((count) => count === 3)).toBe(true);
      expect(store.couponsPerUser.size).toBe(150);
      expect(store.claimCounts).toEqual(store.couponsPerUser);
    }, 300_000);
  });

  describe('on SQLite (one process; its transactions are queued one after another)', () => {
    it('2,000 claims from 1,000 users on a stock of 300, limit 1: exactly 300 coupons, nobody above the limit', async () => {
      const database = await openCouponDatabase('sqlite', cleanups);
      const instance = couponAdapters(database.transactions);
      const template = await storedTemplate(instance, 300, 1);
      const users = Array.from({ length: 1000 }, () => newId());

      const result = await stampede([instance], template.id, users, 2);

      expect(result.errors).toEqual([]);
      expect(result.issued).toBe(300);
      const store = await storeOf(database, template.id);
      expect(store).toMatchObject({ coupons: 300, issued: 300, remaining: 0, mostPerUser: 1 });
      expect(store.claimCounts).toEqual(store.couponsPerUser);
    }, 300_000);

    it('a per-user limit above 1: 300 users claim 4 times each on a stock of 500, limit 3', async () => {
      const database = await openCouponDatabase('sqlite', cleanups);
      const instance = couponAdapters(database.transactions);
      const template = await storedTemplate(instance, 500, 3);

      const result = await stampede(
        [instance],
        template.id,
        Array.from({ length: 300 }, () => newId()),
        4,
      );

      expect(result.errors).toEqual([]);
      expect(result.issued).toBe(500);
      const store = await storeOf(database, template.id);
      expect(store).toMatchObject({ coupons: 500, issued: 500 });
      expect(store.mostPerUser).toBeLessThanOrEqual(3);
      expect(store.claimCounts).toEqual(store.couponsPerUser);
    }, 300_000);
  });
});
