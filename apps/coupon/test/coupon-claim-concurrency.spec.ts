import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups } from './support/coupon-test-database.js';
import { CouponServiceHome, aCustomer, problemOf, type RunningCouponService, type Setup } from './support/coupon-service-harness.js';

/** At most this many claims in flight at once (each a socket): all users press at once, the test's client has its limits. */
const IN_FLIGHT = 200;

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

/** 2,000 claims from 1,000 users (each claims twice) on a stock of 300, limit 1, dealt round-robin to the instances in a shuffled order. */
async function flashSale(home: CouponServiceHome, instances: readonly RunningCouponService[]) {
  const { templateId } = await instances[0]!.api.createTemplate<{ templateId: string }>({
    name: 'Flash sale',
    discount: { kind: 'amount_off', amountOff: 1000 },
    totalStock: 300,
    perUserLimit: 1,
    validity: { validDays: 7 },
  });
  const users = Array.from({ length: 1000 }, () => randomUUID());
  const claims = [...users, ...users];
  for (let i = claims.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [claims[i], claims[j]] = [claims[j]!, claims[i]!];
  }
  const answers = await inParallel(
    claims.map((userId, i) => async () => {
      const response = await instances[i % instances.length]!.api.claim(templateId, aCustomer(userId));
      if (response.status === 201) return { status: 201, code: 'ISSUED', userId };
      const problem = await problemOf(response);
      return { status: response.status, code: problem.code, userId };
    }),
    IN_FLIGHT,
  );
  const count = (code: string) => answers.filter((answer) => answer.code === code).length;
  const p = (n: number) => home.param(n);
  const [template] = await home.query<{ issued: number; total_stock: number }>(`SELECT issued, total_stock FROM coupon_template WHERE id = ${p(1)}`, [
    templateId,
  ]);
  const perUser = await home.query<{ user_id: string; n: string | number }>(
    `SELECT user_id, COUNT(*) AS n FROM coupon WHERE template_id = ${p(1)} GROUP BY user_id`,
    [templateId],
  );
  return {
    answers,
    issued: count('ISSUED'),
    soldOut: count('SOLD_OUT'),
    limitReached: count('LIMIT_REACHED'),
    other: answers.filter((answer) => !['ISSUED', 'SOLD_OUT', 'LIMIT_REACHED'].includes(answer.code)),
    store: {
      issued: Number(template!.issued),
      remaining: Number(template!.total_stock) - Number(template!.issued),
      coupons: perUser.reduce((sum, row) => sum + Number(row.n), 0),
      mostPerUser: Math.max(0, ...perUser.map((row) => Number(row.n))),
      owners: new Set(perUser.map((row) => row.user_id)),
    },
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
      expect(result.issued).toBe(300);
      expect(result.issued + result.soldOut + result.limitReached).toBe(2000);
      expect(result.answers.filter((answer) => answer.code !== 'ISSUED').every((answer) => answer.status === 409)).toBe(true);
      expect(result.store).toMatchObject({ issued: 300, remaining: 0, coupons: 300, mostPerUser: 1 });
      // The coupons belong to exactly those who were answered 201.
      expect(result.store.owners).toEqual(new Set(result.answers.filter((answer) => answer.code === 'ISSUED').map((answer) => answer.userId)));
    },
    300_000,
  );
});
