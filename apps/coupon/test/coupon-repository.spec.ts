import { StaleAggregateError } from '@shop/persistence';
import { afterEach, describe, expect, it } from 'vitest';
import { Money, UnsavedDomainEventsError, newId } from '@shop/shared-kernel';
import { Cleanups } from '@shop/testing';
import { CouponReservation } from '../src/domain/coupon-reservation.js';
import type { Coupon } from '../src/domain/coupon.js';
import { CouponTemplate, type CreateCouponTemplateProps } from '../src/domain/coupon-template.js';
import { AmountOff } from '../src/domain/discount/amount-off.js';
import { PercentOff } from '../src/domain/discount/percent-off.js';
import { Validity } from '../src/domain/validity.js';
import { RefusedIssueCommitError, type IssueOptions, type IssueOutcome } from '../src/application/ports/coupon.repository.js';
import { KINDS, couponAdapters, openCouponDatabase, outboxRows, type CouponAdapters, type CouponDatabase } from './support/coupon-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const DAY_MS = 24 * 3600_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

describe.each(KINDS)('the coupon repositories on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  let database: CouponDatabase;
  let adapters: CouponAdapters;

  async function open() {
    database = await openCouponDatabase(kind, cleanups);
    adapters = couponAdapters(database.transactions);
    return adapters;
  }

  /** A new template, stored. */
  async function storedTemplate(props: Partial<CreateCouponTemplateProps> = {}, createdAt = NOW): Promise<CouponTemplate> {
    const template = CouponTemplate.create(
      { id: newId(), name: 'Spring sale', discount: new AmountOff(Money.ofMinor(500)), totalStock: 10, validity: Validity.relative(7), ...props },
      createdAt,
    );
    await adapters.transactions.run(() => adapters.templates.save(template));
    return template;
  }

  /**
   * Issues a coupon of `template` (as loaded now, or `options.as`) to `userId` in a transaction of its own
   * that then tries to commit whatever the outcome; its outcome, and whether the commit was refused
   * (a refusal without `undoOnRefusal` must not commit: `RefusedIssueCommitError`).
   */
  async function issue(template: CouponTemplate, userId = newId(), options: IssueOptions & { as?: CouponTemplate } = {}) {
    let attempt: { coupon: Coupon; outcome: IssueOutcome } | undefined;
    try {
      await adapters.transactions.run(async () => {
        const loaded = options.as ?? (await adapters.templates.findById(template.id))!;
        const coupon = loaded.issueCoupon(newId(), userId, NOW);
        attempt = { coupon, outcome: await adapters.coupons.issue(coupon, loaded, options) };
      });
      return { ...attempt!, commitRefused: false };
    } catch (error) {
      if (error instanceof RefusedIssueCommitError && attempt && attempt.outcome !== 'issued') return { ...attempt, commitRefused: true };
      throw error;
    }
  }

  const issuedCounter = async (templateId: string) =>
    Number((await database.query<{ issued: number }>(`SELECT issued FROM coupon_template WHERE id = '${templateId}'`))[0]!.issued);
  const claimCount = async (templateId: string, userId: string) =>
    (await database.query<{ claimed: number }>(`SELECT claimed FROM coupon_claim_count WHERE template_id = '${templateId}' AND user_id = '${userId}'`)).map(
      (row) => Number(row.claimed),
    );

  describe('TypeOrmCouponTemplateRepository', () => {
    it('stores a template and gives it back as it was, discount and validity included', async () => {
      const { templates } = await open();
      const template = await storedTemplate({
        name: 'Flash 🎉 sale',
        discount: new PercentOff(15, Money.ofMinor(2000), Money.ofMinor(10_000)),
        totalStock: 300,
        perUserLimit: 2,
        validity: Validity.fixed(at(0), at(30 * DAY_MS)),
        claimStartsAt: at(-DAY_MS),
        claimEndsAt: at(DAY_MS),
        grantOnRegister: true,
      });
      const loaded = await templates.findById(template.id);
      expect(loaded?.toSnapshot()).toEqual(template.toSnapshot());
      expect(loaded?.discount.toSnapshot()).toEqual({ kind: 'percent_off', percentOff: 15, maxOff: 2000, minSpend: 10_000 });
      expect((await templates.findById(template.id.toUpperCase()))?.id).toBe(template.id);
      // Campaign events stay inside the context: nothing for the outbox.
      expect(await outboxRows(adapters.transactions)).toEqual([]);
    });

    it('answers null for unknown and malformed ids', async () => {
      const { templates } = await open();
      expect(await templates.findById(newId())).toBeNull();
      expect(await templates.findById('not-a-uuid')).toBeNull();
    });

    it('updates a paused template in place and never writes its issued counter back', async () => {
      const { templates, transactions } = await open();
      const template = await storedTemplate();
      const loadedBeforeTheClaim = (await templates.findById(template.id))!;
      expect((await issue(template)).outcome).toBe('issued');

      loadedBeforeTheClaim.pause(NOW);
      await transactions.run(() => templates.save(loadedBeforeTheClaim));
      const paused = (await templates.findById(template.id))!;
      expect(paused.status).toBe('PAUSED');
      expect(paused.issued).toBe(1);
      expect(paused.version).toBe(1);
      // The same object saved again later is not stale: the repository knows what it wrote.
      loadedBeforeTheClaim.resume(NOW);
      await transactions.run(() => templates.save(loadedBeforeTheClaim));
      expect((await templates.findById(template.id))?.toSnapshot()).toMatchObject({ status: 'ACTIVE', issued: 1, version: 2 });
    });

    it('refuses to save over a change made since the template was loaded', async () => {
      const { templates, transactions } = await open();
      const template = await storedTemplate();
      const first = (await templates.findById(template.id))!;
      const second = (await templates.findById(template.id))!;
      first.pause(NOW);
      await transactions.run(() => templates.save(first));
      second.pause(NOW);
      await expect(transactions.run(() => templates.save(second))).rejects.toBeInstanceOf(StaleAggregateError);
      expect((await templates.findById(template.id))?.version).toBe(1);
    });

    it('lists the active welcome templates, oldest first', async () => {
      const { templates, transactions } = await open();
      const newer = await storedTemplate({ grantOnRegister: true }, at(2000));
      const older = await storedTemplate({ grantOnRegister: true }, at(1000));
      await storedTemplate({ grantOnRegister: false });
      const paused = await storedTemplate({ grantOnRegister: true });
      paused.pause(NOW);
      await transactions.run(() => templates.save(paused));
      expect((await templates.findActiveGrantOnRegister()).map((template) => template.id)).toEqual([older.id, newer.id]);
    });

    it('joins the surrounding transaction: a rollback takes the template with it', async () => {
      const { templates, transactions } = await open();
      const template = CouponTemplate.create(
        { id: newId(), name: 'Gone', discount: new AmountOff(Money.ofMinor(100)), totalStock: 1, validity: Validity.relative(1) },
        NOW,
      );
      await expect(
        transactions.run(async () => {
          await templates.save(template);
          throw new Error('the use case failed later');
        }),
      ).rejects.toThrow('the use case failed later');
      expect(await templates.findById(template.id)).toBeNull();
    });
  });

  describe('TypeOrmCouponRepository.issue', () => {
    it('issues a coupon: the coupon row, the per-user count and the issued counter', async () => {
      const { coupons, transactions } = await open();
      const template = await storedTemplate({ discount: new AmountOff(Money.ofMinor(800), Money.ofMinor(5000)) });
      const userId = newId();
      const { coupon, outcome } = await issue(template, userId);
      expect(outcome).toBe('issued');
      const loaded = await transactions.run(() => coupons.findByIdForUpdate(coupon.id));
      expect(loaded?.toSnapshot()).toEqual(coupon.toSnapshot());
      expect(loaded?.discount.toSnapshot()).toEqual({ kind: 'amount_off', amountOff: 800, minSpend: 5000 });
      expect(await issuedCounter(template.id)).toBe(1);
      expect(await claimCount(template.id, userId)).toEqual([1]);
      expect(await outboxRows(transactions)).toEqual([]);
    });

    // A refusal leaves nothing whichever way: undone by the savepoint while the transaction commits (the
    // welcome grant), or left in a transaction that cannot commit (the claim, which throws anyway).
    const REFUSAL_MODES = [
      ['undone, the transaction committing', { undoOnRefusal: true }, false],
      ['without a savepoint, the commit refused', {}, true],
    ] as const;

    it.each(REFUSAL_MODES)('refuses a claim above the per-user limit and leaves nothing of it (%s)', async (_, mode, commitRefused) => {
      await open();
      const template = await storedTemplate({ perUserLimit: 3 });
      const userId = newId();
      const attempts = [];
      for (let i = 0; i < 4; i++) attempts.push(await issue(template, userId, mode));
      expect(attempts.map((attempt) => [attempt.outcome, attempt.commitRefused])).toEqual([
        ['issued', false],
        ['issued', false],
        ['issued', false],
        ['limit_reached', commitRefused],
      ]);
      expect(await database.count('coupon')).toBe(3);
      expect(await claimCount(template.id, userId)).toEqual([3]);
      expect(await issuedCounter(template.id)).toBe(3);
      // Another user has a limit of their own.
      expect((await issue(template, newId(), mode)).outcome).toBe('issued');
    });

    it.each(REFUSAL_MODES)('refuses a claim once the stock is gone and leaves nothing of it: no coupon, no count (%s)', async (_, mode, commitRefused) => {
      await open();
      const template = await storedTemplate({ totalStock: 2 });
      expect((await issue(template)).outcome).toBe('issued');
      // Loaded while one coupon was left: the read says claimable, the store says no.
      const loaded = (await adapters.templates.findById(template.id))!;
      expect((await issue(template)).outcome).toBe('issued');
      const late = newId();
      expect(await issue(template, late, { ...mode, as: loaded })).toMatchObject({ outcome: 'sold_out', commitRefused });
      expect(await database.count('coupon')).toBe(2);
      expect(await claimCount(template.id, late)).toEqual([]);
      expect(await issuedCounter(template.id)).toBe(2);
    });

    it.each(REFUSAL_MODES)(
      'refuses a claim of a paused template (not_claimable), though read while active, and leaves nothing (%s)',
      async (_, mode, commitRefused) => {
        const { templates, transactions } = await open();
        const template = await storedTemplate();
        const readWhileActive = (await templates.findById(template.id))!;
        const paused = (await templates.findById(template.id))!;
        paused.pause(NOW);
        await transactions.run(() => templates.save(paused));
        const userId = newId();
        expect(await issue(template, userId, { ...mode, as: readWhileActive })).toMatchObject({ outcome: 'not_claimable', commitRefused });
        expect(await database.count('coupon')).toBe(0);
        expect(await claimCount(template.id, userId)).toEqual([]);
        expect(await issuedCounter(template.id)).toBe(0);

        // Resumed: the same stale read claims again.
        paused.resume(NOW);
        await transactions.run(() => templates.save(paused));
        expect((await issue(template, userId, { ...mode, as: readWhileActive })).outcome).toBe('issued');
      },
    );

    it('answers sold_out, not not_claimable, for a template both paused and sold out: the sold-out mark is for good', async () => {
      const { templates, transactions } = await open();
      const template = await storedTemplate({ totalStock: 1 });
      const readWhileOpen = (await templates.findById(template.id))!;
      expect((await issue(template)).outcome).toBe('issued');
      const paused = (await templates.findById(template.id))!;
      paused.pause(NOW);
      await transactions.run(() => templates.save(paused));
      expect((await issue(template, newId(), { as: readWhileOpen })).outcome).toBe('sold_out');
    });

    it('refuses a coupon of a template that does not exist (not_claimable): no foreign key needed, the stock update finds no row', async () => {
      await open();
      const ghost = CouponTemplate.create(
        { id: newId(), name: 'Never stored', discount: new AmountOff(Money.ofMinor(100)), totalStock: 5, validity: Validity.relative(1) },
        NOW,
      );
      expect(await issue(ghost, newId(), { as: ghost })).toMatchObject({ outcome: 'not_claimable', commitRefused: true });
      expect(await issue(ghost, newId(), { as: ghost, undoOnRefusal: true })).toMatchObject({ outcome: 'not_claimable', commitRefused: false });
      expect(await database.count('coupon')).toBe(0);
      expect(await database.count('coupon_claim_count')).toBe(0);
    });

    it.each(REFUSAL_MODES)('grants a coupon once per grant key: a repeat is limit_reached and leaves nothing (%s)', async (_, mode, commitRefused) => {
      await open();
      const template = await storedTemplate({ perUserLimit: 5, grantOnRegister: true });
      const userId = newId();
      const grantKey = `welcome:${template.id}:${userId}`;
      expect((await issue(template, userId, { ...mode, grantKey })).outcome).toBe('issued');
      expect(await issue(template, userId, { ...mode, grantKey })).toMatchObject({ outcome: 'limit_reached', commitRefused });
      expect(await database.count('coupon')).toBe(1);
      expect(await claimCount(template.id, userId)).toEqual([1]);
      expect(await issuedCounter(template.id)).toBe(1);
      expect(await database.query(`SELECT grant_key FROM coupon`)).toEqual([{ grant_key: grantKey }]);
    });

    it.runIf(kind === 'postgres')('never touches the template row when the per-user limit or the grant key refuses (its lock held elsewhere)', async () => {
      const { transactions } = await open();
      const template = await storedTemplate({ perUserLimit: 1, grantOnRegister: true });
      const holder = newId();
      const grantKey = `welcome:${template.id}:${holder}`;
      expect((await issue(template, holder, { grantKey })).outcome).toBe('issued');
      const loaded = (await adapters.templates.findById(template.id))!;

      // Another transaction holds the hot row; a claim that reached it would wait, and here fail at once.
      const other = transactions.dataSource.createQueryRunner();
      await other.connect();
      cleanups.add(() => other.release());
      await other.startTransaction();
      await other.query(`SELECT id FROM coupon_template WHERE id = $1 FOR UPDATE`, [template.id]);
      const attempt = (userId: string, options: IssueOptions) =>
        transactions.run(async () => {
          await transactions.manager.query(`SET LOCAL lock_timeout = '100ms'`);
          return adapters.coupons.issue(loaded.issueCoupon(newId(), userId, NOW), loaded, { ...options, undoOnRefusal: true });
        });
      try {
        expect(await attempt(holder, {})).toBe('limit_reached');
        expect(await attempt(newId(), { grantKey })).toBe('limit_reached');
        // One that gets that far does wait for the row.
        await expect(attempt(newId(), {})).rejects.toThrow(/lock timeout/i);
      } finally {
        await other.rollbackTransaction();
      }
      expect(await issuedCounter(template.id)).toBe(1);
    });

    it('takes no savepoint unless asked to undo a refusal', async () => {
      await open();
      const template = await storedTemplate({ perUserLimit: 5 });
      const statements: string[] = [];
      const dataSource = adapters.transactions.dataSource;
      const createQueryRunner = dataSource.createQueryRunner;
      // The first two words of every statement a transaction of this data source sends, from here on.
      const logging = new WeakSet<object>();
      dataSource.createQueryRunner = (...args) => {
        const runner = createQueryRunner.apply(dataSource, args);
        // SQLite hands out its one runner again: logged once.
        if (logging.has(runner)) return runner;
        logging.add(runner);
        const query = runner.query.bind(runner);
        runner.query = ((sql: string, ...rest: unknown[]) => {
          statements.push(sql.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase());
          return (query as (...a: unknown[]) => unknown)(sql, ...rest);
        }) as typeof runner.query;
        return runner;
      };
      try {
        const userId = newId();
        await issue(template, userId);
        expect(statements.filter((sql) => sql.startsWith('SAVEPOINT') || sql.startsWith('ROLLBACK TO'))).toEqual([]);
        await issue(template, userId, { undoOnRefusal: true });
        expect(statements.filter((sql) => sql.startsWith('SAVEPOINT'))).toEqual(['SAVEPOINT COUPON_ISSUE']);
      } finally {
        dataSource.createQueryRunner = createQueryRunner;
      }
    });

    it('lets a welcome grant go on in the same transaction after a refusal: only the granted coupons commit', async () => {
      const { coupons, templates, transactions } = await open();
      const soldOut = await storedTemplate({ totalStock: 1, grantOnRegister: true }, at(1));
      const open1 = await storedTemplate({ grantOnRegister: true }, at(2));
      const open2 = await storedTemplate({ grantOnRegister: true }, at(3));
      expect((await issue(soldOut)).outcome).toBe('issued');
      const userId = newId();
      const staleReads = [await templates.findById(soldOut.id), await templates.findById(open1.id), await templates.findById(open2.id)];
      // As if the read said there was stock: the store refuses the first, the others go through.
      const staleSoldOut = CouponTemplate.restore({ ...staleReads[0]!.toSnapshot(), issued: 0 });
      const outcomes = await transactions.run(async () => {
        const result = [];
        for (const template of [staleSoldOut, staleReads[1]!, staleReads[2]!]) {
          result.push(
            await coupons.issue(template.issueCoupon(newId(), userId, NOW), template, { grantKey: `welcome:${template.id}:${userId}`, undoOnRefusal: true }),
          );
        }
        return result;
      });
      expect(outcomes).toEqual(['sold_out', 'issued', 'issued']);
      expect(await database.count('coupon', `user_id = '${userId}'`)).toBe(2);
      expect(await claimCount(soldOut.id, userId)).toEqual([]);
      expect([await issuedCounter(soldOut.id), await issuedCounter(open1.id), await issuedCounter(open2.id)]).toEqual([1, 1, 1]);
    });

    it('leaves nothing when the caller throws after a successful issue', async () => {
      await open();
      const template = await storedTemplate();
      await expect(
        adapters.transactions.run(async () => {
          const loaded = (await adapters.templates.findById(template.id))!;
          expect(await adapters.coupons.issue(loaded.issueCoupon(newId(), newId(), NOW), loaded)).toBe('issued');
          throw new Error('the answer could not be made');
        }),
      ).rejects.toThrow('the answer could not be made');
      expect(await database.count('coupon')).toBe(0);
      expect(await database.count('coupon_claim_count')).toBe(0);
      expect(await issuedCounter(template.id)).toBe(0);
    });
  });

  describe('TypeOrmCouponRepository.save', () => {
    it('stores a coupon locked to an order and released again, bumping its version', async () => {
      const { coupons, transactions } = await open();
      const template = await storedTemplate();
      const { coupon } = await issue(template);
      const orderId = newId();
      await transactions.run(async () => {
        const loaded = (await coupons.findByIdForUpdate(coupon.id))!;
        expect(loaded.reserveFor(orderId, coupon.userId, Money.ofMinor(10_000), NOW).minor).toBe(500);
        await coupons.save(loaded);
      });
      const locked = (await transactions.run(() => coupons.findByIdForUpdate(coupon.id)))!;
      expect(locked.toSnapshot()).toMatchObject({ status: 'LOCKED', orderId, version: 1 });

      locked.release(orderId, NOW);
      await transactions.run(() => coupons.save(locked));
      expect((await transactions.run(() => coupons.findByIdForUpdate(coupon.id)))?.toSnapshot()).toMatchObject({
        status: 'AVAILABLE',
        orderId: null,
        version: 2,
      });
    });

    it('refuses to save over a change made since the coupon was loaded, and a coupon never issued', async () => {
      const { coupons, transactions } = await open();
      const template = await storedTemplate();
      const { coupon } = await issue(template);
      const [first, second] = await transactions.run(async () => [
        (await coupons.findByIdForUpdate(coupon.id))!,
        (await coupons.findByIdForUpdate(coupon.id))!,
      ]);
      first!.reserveFor(newId(), coupon.userId, Money.ofMinor(10_000), NOW);
      await transactions.run(() => coupons.save(first!));
      second!.reserveFor(newId(), coupon.userId, Money.ofMinor(10_000), NOW);
      await expect(transactions.run(() => coupons.save(second!))).rejects.toBeInstanceOf(StaleAggregateError);

      const stranger = template.issueCoupon(newId(), newId(), NOW);
      await expect(transactions.run(() => coupons.save(stranger))).rejects.toBeInstanceOf(StaleAggregateError);
    });

    it('refuses to commit a coupon changed and not saved', async () => {
      const { coupons, transactions } = await open();
      const { coupon } = await issue(await storedTemplate());
      await expect(
        transactions.run(async () => {
          (await coupons.findByIdForUpdate(coupon.id))!.reserveFor(newId(), coupon.userId, Money.ofMinor(10_000), NOW);
        }),
      ).rejects.toBeInstanceOf(UnsavedDomainEventsError);
    });

    it('answers null for unknown and malformed ids', async () => {
      const { coupons, transactions } = await open();
      expect(await transactions.run(() => coupons.findByIdForUpdate(newId()))).toBeNull();
      expect(await transactions.run(() => coupons.findByIdForUpdate('42'))).toBeNull();
    });
  });

  describe('TypeOrmCouponReservationRepository', () => {
    it('stores a reservation and announces it: coupon.reserved.v1 with the discount', async () => {
      const { reservations, transactions } = await open();
      const orderId = newId();
      const couponId = newId();
      const userId = newId();
      const reserved = CouponReservation.reserved(orderId, couponId, userId, Money.ofMinor(1234), NOW);
      await transactions.run(() => reservations.save(reserved));
      const loaded = await transactions.run(() => reservations.findForUpdate(orderId));
      expect(loaded?.toSnapshot()).toEqual(reserved.toSnapshot());
      expect(await outboxRows(transactions)).toEqual([
        {
          type: 'coupon.reserved.v1',
          aggregateId: orderId,
          payload: { orderId, couponId, userId, discount: 1234, reservedAt: NOW.toISOString() },
        },
      ]);
    });

    it('stores a rejection and announces it with its reason', async () => {
      const { reservations, transactions } = await open();
      const orderId = newId();
      await transactions.run(() => reservations.save(CouponReservation.rejected(orderId, newId(), newId(), 'BELOW_MIN_SPEND', NOW)));
      expect((await outboxRows(transactions)).map((row) => [row.type, row.payload['reason']])).toEqual([['coupon.reservation-rejected.v1', 'BELOW_MIN_SPEND']]);
      expect((await transactions.run(() => reservations.findForUpdate(orderId)))?.toSnapshot()).toMatchObject({
        status: 'REJECTED',
        reason: 'BELOW_MIN_SPEND',
      });
    });

    it('keeps a tombstone silent, and rejects the late placement that finds it', async () => {
      const { reservations, transactions } = await open();
      const orderId = newId();
      await transactions.run(() => reservations.save(CouponReservation.tombstone(orderId, NOW)));
      expect(await outboxRows(transactions)).toEqual([]);
      await transactions.run(async () => {
        const tombstone = (await reservations.findForUpdate(orderId))!;
        tombstone.rejectLate(newId(), newId(), at(1000));
        await reservations.save(tombstone);
      });
      expect((await transactions.run(() => reservations.findForUpdate(orderId)))?.toSnapshot()).toMatchObject({
        status: 'REJECTED',
        reason: 'ORDER_CANCELLED',
      });
      expect((await outboxRows(transactions)).map((row) => row.payload['reason'])).toEqual(['ORDER_CANCELLED']);
    });

    it('moves a reservation through confirm and refund, in later transactions', async () => {
      const { reservations, transactions } = await open();
      const orderId = newId();
      await transactions.run(() => reservations.save(CouponReservation.reserved(orderId, newId(), newId(), Money.ofMinor(500), NOW)));
      for (const step of ['confirm', 'refund'] as const) {
        await transactions.run(async () => {
          const reservation = (await reservations.findForUpdate(orderId))!;
          reservation[step](at(1000));
          await reservations.save(reservation);
        });
      }
      expect((await transactions.run(() => reservations.findForUpdate(orderId)))?.toSnapshot()).toMatchObject({
        status: 'REFUNDED',
        discount: Money.ofMinor(500),
        updatedAt: at(1000),
      });
    });

    it('keeps the first answer for an order: a second new reservation of it fails instead of overwriting', async () => {
      const { reservations, transactions } = await open();
      const orderId = newId();
      await transactions.run(() => reservations.save(CouponReservation.reserved(orderId, newId(), newId(), Money.ofMinor(500), NOW)));
      await expect(transactions.run(() => reservations.save(CouponReservation.rejected(orderId, newId(), newId(), 'NOT_FOUND', NOW)))).rejects.toThrow(
        /unique|duplicate|constraint/i,
      );
      expect((await transactions.run(() => reservations.findForUpdate(orderId)))?.status).toBe('RESERVED');
      expect((await outboxRows(transactions)).map((row) => row.type)).toEqual(['coupon.reserved.v1']);
    });

    it('answers null for unknown and malformed order ids', async () => {
      const { reservations, transactions } = await open();
      expect(await transactions.run(() => reservations.findForUpdate(newId()))).toBeNull();
      expect(await transactions.run(() => reservations.findForUpdate('nope'))).toBeNull();
    });
  });

  describe('SqlCouponQueries', () => {
    it('lists every template for admins, newest first, with issued, used and remaining stock', async () => {
      const { queries, coupons, transactions } = await open();
      const older = await storedTemplate({ totalStock: 5, grantOnRegister: true, claimEndsAt: at(DAY_MS) }, at(1));
      const newer = await storedTemplate({ name: 'Newer', discount: new PercentOff(10), totalStock: 3 }, at(2));
      const { coupon } = await issue(older);
      await issue(older);
      const orderId = newId();
      await transactions.run(async () => {
        const loaded = (await coupons.findByIdForUpdate(coupon.id))!;
        loaded.reserveFor(orderId, coupon.userId, Money.ofMinor(10_000), NOW);
        loaded.confirmUse(orderId, NOW);
        await coupons.save(loaded);
      });
      const listed = await queries.listTemplatesWithCounts();
      expect(listed.map((template) => template.templateId)).toEqual([newer.id, older.id]);
      expect(listed[0]).toEqual({
        templateId: newer.id,
        name: 'Newer',
        discount: { kind: 'percent_off', percentOff: 10, maxOff: null, minSpend: 0 },
        totalStock: 3,
        perUserLimit: 1,
        validity: { validDays: 7 },
        claimStartsAt: null,
        claimEndsAt: null,
        grantOnRegister: false,
        status: 'ACTIVE',
        remainingStock: 3,
        createdAt: at(2).toISOString(),
        issued: 0,
        used: 0,
      });
      expect(listed[1]).toMatchObject({ issued: 2, used: 1, remainingStock: 3, grantOnRegister: true, claimEndsAt: at(DAY_MS).toISOString() });
    });

    it('lists what a customer can claim now: active, inside the claim window, validity not over, stock left', async () => {
      const { queries, templates, transactions } = await open();
      const claimable = await storedTemplate({ totalStock: 2, claimStartsAt: at(-1000), claimEndsAt: at(1000) }, at(1));
      const fixed = await storedTemplate({ validity: Validity.fixed(at(-DAY_MS), at(DAY_MS)) }, at(2));
      await storedTemplate({ claimStartsAt: at(1000) });
      await storedTemplate({ claimEndsAt: at(0), claimStartsAt: at(-DAY_MS) });
      await storedTemplate({ validity: Validity.fixed(at(-2 * DAY_MS), at(0)) });
      const soldOut = await storedTemplate({ totalStock: 1 });
      await issue(soldOut);
      const paused = await storedTemplate();
      paused.pause(NOW);
      await transactions.run(() => templates.save(paused));
      await issue(claimable);

      const listed = await queries.listClaimable(NOW);
      expect(listed.map((template) => template.templateId)).toEqual([fixed.id, claimable.id]);
      expect(listed[1]).toEqual({
        templateId: claimable.id,
        name: 'Spring sale',
        discount: { kind: 'amount_off', amountOff: 500, minSpend: 0 },
        perUserLimit: 1,
        validity: { validDays: 7 },
        claimEndsAt: at(1000).toISOString(),
        remainingStock: 1,
      });
      expect(listed[0]!.validity).toEqual({ validFrom: at(-DAY_MS).toISOString(), validUntil: at(DAY_MS).toISOString() });
    });

    it("lists a user's coupons newest first, by status, at most the limit, and nobody else's", async () => {
      const { queries, coupons, transactions } = await open();
      const template = await storedTemplate({ perUserLimit: 5 });
      const userId = newId();
      const issued: Coupon[] = [];
      for (let i = 0; i < 3; i++) {
        issued.push(
          await transactions.run(async () => {
            const loaded = (await adapters.templates.findById(template.id))!;
            const coupon = loaded.issueCoupon(newId(), userId, at(i * 1000));
            await coupons.issue(coupon, loaded);
            return coupon;
          }),
        );
      }
      await issue(template);
      const orderId = newId();
      await transactions.run(async () => {
        const loaded = (await coupons.findByIdForUpdate(issued[0]!.id))!;
        loaded.reserveFor(orderId, userId, Money.ofMinor(10_000), at(5000));
        await coupons.save(loaded);
      });

      const now = at(6000);
      const all = await queries.listOwnedBy(userId, undefined, 100, now);
      expect(all.map((coupon) => coupon.couponId)).toEqual([issued[2]!.id, issued[1]!.id, issued[0]!.id]);
      expect(all[2]).toEqual({
        couponId: issued[0]!.id,
        templateId: template.id,
        name: 'Spring sale',
        discount: { kind: 'amount_off', amountOff: 500, minSpend: 0 },
        status: 'LOCKED',
        validFrom: at(0).toISOString(),
        validUntil: at(7 * DAY_MS).toISOString(),
        orderId,
      });
      expect((await queries.listOwnedBy(userId, 'AVAILABLE', 100, now)).map((coupon) => coupon.couponId)).toEqual([issued[2]!.id, issued[1]!.id]);
      expect((await queries.listOwnedBy(userId, undefined, 1, now)).map((coupon) => coupon.couponId)).toEqual([issued[2]!.id]);
      expect(await queries.listOwnedBy(newId(), undefined, 100, now)).toEqual([]);
      expect(await queries.listOwnedBy('not-a-uuid', undefined, 100, now)).toEqual([]);
    });
  });
});
