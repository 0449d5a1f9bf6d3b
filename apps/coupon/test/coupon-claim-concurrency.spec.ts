// The flash sale over HTTP: many customers claim one campaign at once, through two coupon-service
// instances sharing one PostgreSQL database (each with its own pool and its own sold-out memory), and
// through the one embedded instance on SQLite. The database alone decides: never more coupons than
// stock, never more per user than the limit.
import { randomUUID } from 'node:crypto';
import type { ClaimCouponResponse } from '@shop/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups } from '@shop/testing';
import { CouponServiceHome, aCustomer, anAdmin, problemOf, type RunningCouponService, type Setup } from './support/coupon-service-harness.js';

const USERS = 1_000;
const STOCK = 300;
/** At most this many claims in flight at once (each a socket): all users press at once, the test's client has its limits. */
const IN_FLIGHT = 200;

interface ClaimAnswer {
  readonly userId: string;
  readonly status: number;
  /** `ISSUED` for a 201, else the problem's code. */
  readonly code: string;
  readonly couponId?: string;
}

/** Runs `tasks` with at most `limit` at a time; answers their results in order. */
async function inParallel<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
}

/**
 * 2,000 claims from 1,000 users on a stock of 300, limit 1. Each user claims twice at about the same
 * moment, the two claims side by side in the queue and, with two instances, one through each: the
 * per-user limit is raced across instances as well as the stock.
 */
async function flashSale(home: CouponServiceHome, instances: readonly RunningCouponService[]) {
  const { templateId } = await instances[0]!.api.createTemplate<{ templateId: string }>({
    name: 'Flash sale',
    discount: { kind: 'amount_off', amountOff: 1000 },
    totalStock: STOCK,
    perUserLimit: 1,
    validity: { validDays: 7 },
  });
  const users = Array.from({ length: USERS }, () => randomUUID());
  const claims = users.flatMap((userId, i) => [
    { userId, instance: instances[i % instances.length]! },
    { userId, instance: instances[(i + 1) % instances.length]! },
  ]);
  const answers = await inParallel(
    claims.map(({ userId, instance }) => async (): Promise<ClaimAnswer> => {
      const response = await instance.api.claim(templateId, aCustomer(userId));
      if (response.status === 201) return { status: 201, code: 'ISSUED', userId, couponId: ((await response.json()) as ClaimCouponResponse).couponId };
      const problem = await problemOf(response);
      return { status: response.status, code: problem.code, userId };
    }),
    IN_FLIGHT,
  );
  const count = (code: string) => answers.filter((answer) => answer.code === code).length;
  const p = (n: number) => home.param(n);
  const [template] = await home.query<{ issued: number | string; total_stock: number | string }>(
    `SELECT issued, total_stock FROM coupon_template WHERE id = ${p(1)}`,
    [templateId],
  );
  const coupons = await home.query<{ id: string; user_id: string }>(`SELECT id, user_id FROM coupon WHERE template_id = ${p(1)}`, [templateId]);
  const perUser = await home.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM coupon WHERE template_id = ${p(1)} GROUP BY user_id`, [templateId]);
  const [counters] = await home.query<{ claimed: string | number | null; most: string | number | null }>(
    `SELECT SUM(claimed) AS claimed, MAX(claimed) AS most FROM coupon_claim_count WHERE template_id = ${p(1)}`,
    [templateId],
  );
  return {
    templateId,
    answers,
    issued: count('ISSUED'),
    soldOut: count('SOLD_OUT'),
    limitReached: count('LIMIT_REACHED'),
    other: answers.filter((answer) => !['ISSUED', 'SOLD_OUT', 'LIMIT_REACHED'].includes(answer.code)),
    store: {
      issued: Number(template!.issued),
      remaining: Number(template!.total_stock) - Number(template!.issued),
      coupons: coupons.length,
      mostPerUser: Math.max(0, ...perUser.map((row) => Number(row.n))),
      // The per-user limit's counters agree with the coupons.
      claimCounters: { claimed: Number(counters?.claimed ?? 0), most: Number(counters?.most ?? 0) },
    },
    /** coupon id → owner, as stored. */
    owners: new Map(coupons.map((coupon) => [coupon.id, coupon.user_id])),
  };
}

describe('claiming in a flash sale, through the service', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  const cases: Array<[Setup, number]> = [
    ['postgres+amqp', 2],
    ['sqlite+memory', 1],
  ];

  it.each(cases)(
    'on %s with %i instance(s): 2,000 claims from 1,000 users on a stock of 300, limit 1 → exactly 300 coupons, nobody above the limit, every other claim 409',
    async (setup, instanceCount) => {
      const home = await CouponServiceHome.create(setup, cleanups);
      const instances = await home.startInstances(instanceCount);

      const result = await flashSale(home, instances);

      expect(result.other).toEqual([]);
      expect(result.issued).toBe(STOCK);
      expect(result.issued + result.soldOut + result.limitReached).toBe(2 * USERS);
      expect(result.answers.filter((answer) => answer.code !== 'ISSUED').every((answer) => answer.status === 409)).toBe(true);
      expect(result.store).toEqual({ issued: STOCK, remaining: 0, coupons: STOCK, mostPerUser: 1, claimCounters: { claimed: STOCK, most: 1 } });
      // The coupons are exactly those answered 201, each held by the user it was answered to.
      const answered = result.answers.filter((answer) => answer.code === 'ISSUED');
      expect(result.owners).toEqual(new Map(answered.map((answer) => [answer.couponId!, answer.userId])));

      // Sold out from now on, on every instance; the admins' list says so too.
      for (const instance of instances) {
        const late = await instance.api.claim(result.templateId, aCustomer());
        expect([late.status, (await problemOf(late)).code]).toEqual([409, 'SOLD_OUT']);
      }
      const list = await instances.at(-1)!.api.viaGateway('GET', '/admin/coupon-templates', { identity: anAdmin() });
      const listed = ((await list.json()) as Array<{ templateId: string; issued: number; remainingStock: number }>).find(
        (t) => t.templateId === result.templateId,
      );
      expect(listed).toMatchObject({ issued: STOCK, remainingStock: 0 });
    },
    300_000,
  );
});
