import { StaleAggregateError } from '@shop/persistence';
import { newId } from '@shop/shared-kernel';
import { Cleanups } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { adminPaymentViewOf, paymentViewOf } from '../src/application/payment.presenters.js';
import { PayableOrder } from '../src/domain/payable-order.js';
import { PaymentInProgressError } from '../src/domain/payment.errors.js';
import { Payment, type PaymentSnapshot } from '../src/domain/payment.js';
import { KINDS, openPaymentDatabase, outboxRows, paymentAdapters, type PaymentAdapters, type PaymentDatabase } from './support/payment-test-database.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

/** A PENDING sandbox payment of 8 000 fen started at `createdAt` (NOW by default). */
const started = (overrides: { orderId?: string; userId?: string; amount?: number; createdAt?: Date } = {}) =>
  Payment.start({
    id: newId(),
    orderId: overrides.orderId ?? newId(),
    userId: overrides.userId ?? newId(),
    amount: overrides.amount ?? 8_000,
    provider: 'sandbox',
    at: overrides.createdAt ?? NOW,
  });

describe.each(KINDS)('the payment repositories on %s', (kind) => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  let database: PaymentDatabase;
  let adapters: PaymentAdapters;

  async function open(): Promise<PaymentAdapters> {
    database = await openPaymentDatabase(kind, cleanups);
    adapters = paymentAdapters(database.transactions);
    return adapters;
  }

  const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?');

  async function insert(payment: Payment): Promise<Payment> {
    await adapters.transactions.run(() => adapters.payments.save(payment));
    return payment;
  }

  /** Loads the payment in a transaction of its own, runs `work` on it and saves it; answers what it saved. */
  async function change(paymentId: string, work: (payment: Payment) => unknown): Promise<PaymentSnapshot> {
    return adapters.transactions.run(async () => {
      const payment = (await adapters.payments.findForUpdate(paymentId))!;
      work(payment);
      await adapters.payments.save(payment);
      return payment.toSnapshot();
    });
  }

  const load = (paymentId: string) => adapters.transactions.run(async () => (await adapters.payments.findForUpdate(paymentId))?.toSnapshot() ?? null);

  async function versionOf(paymentId: string): Promise<number> {
    const [row] = await database.query<{ version: string | number }>(`SELECT version FROM payment WHERE payment_id = ${p(1)}`, [paymentId]);
    return Number(row!.version);
  }

  const outboxTypes = async () => (await outboxRows(adapters.transactions)).map((row) => [row.type, row.aggregateId]);

  describe('payments', () => {
    it('stores a started payment whole and loads back every field of its snapshot; nothing announced yet', async () => {
      await open();
      const payment = await insert(started());
      expect(await load(payment.id)).toEqual({ ...payment.toSnapshot(), version: 0 });
      expect(await load(payment.id)).toMatchObject({ status: 'PENDING', amount: 8_000, currency: 'CNY', provider: 'sandbox', refund: null, settledAt: null });
      expect(await outboxTypes()).toEqual([]);
    });

    it('round-trips a payment through success, refund request, a refused try and the refund, bumping the version and announcing each transition once', async () => {
      await open();
      const payment = await insert(started());
      const refundId = newId();
      const steps: Array<(p: Payment) => unknown> = [
        (p) => p.recordProviderPayment('sbx_0123456789abcdef'),
        (p) => p.succeed({ providerPaymentId: 'sbx_0123456789abcdef', amount: 8_000, currency: 'CNY', at: at(1_000) }),
        (p) => p.requestRefund({ reason: 'CUSTOMER_REQUEST', amount: 8_000, refundId, at: at(2_000) }),
        (p) => p.refundRefused({ error: 'the provider said no', at: at(3_000), retryAt: at(8_000) }),
        (p) => p.refundSucceeded(at(9_000)),
      ];
      for (const [i, step] of steps.entries()) {
        const saved = await change(payment.id, step);
        expect(await load(payment.id)).toEqual({ ...saved, version: i + 1 });
        expect(await versionOf(payment.id)).toBe(i + 1);
      }
      expect(await load(payment.id)).toMatchObject({
        status: 'REFUNDED',
        providerPaymentId: 'sbx_0123456789abcdef',
        settledAt: at(1_000),
        refund: {
          refundId,
          reason: 'CUSTOMER_REQUEST',
          requestedAt: at(2_000),
          attempts: 1,
          lastError: 'the provider said no',
          nextAttemptAt: null,
          refundedAt: at(9_000),
        },
      });
      expect(await outboxTypes()).toEqual([
        ['payment.succeeded.v1', payment.id],
        ['payment.refunded.v1', payment.id],
      ]);
    });

    it('stores a failure with its reason and detail, then a late success over it (the money moved after all)', async () => {
      await open();
      const payment = await insert(started());
      await change(payment.id, (p) => p.fail({ reason: 'PROVIDER_ERROR', detail: 'connect ECONNREFUSED', at: at(1_000) }));
      expect(await load(payment.id)).toMatchObject({
        status: 'FAILED',
        failureReason: 'PROVIDER_ERROR',
        failureDetail: 'connect ECONNREFUSED',
        settledAt: at(1_000),
      });
      await change(payment.id, (p) => p.succeed({ providerPaymentId: 'sbx_late', amount: 8_000, currency: 'CNY', at: at(2_000) }));
      expect(await load(payment.id)).toMatchObject({ status: 'SUCCEEDED', failureReason: null, providerPaymentId: 'sbx_late' });
      expect((await outboxRows(adapters.transactions)).map((row) => row.type)).toEqual(['payment.failed.v1', 'payment.succeeded.v1']);
    });

    it('writes a payment settled free (payable 0) and its success in one transaction', async () => {
      await open();
      const payment = await insert(Payment.settledFree({ id: newId(), orderId: newId(), userId: newId(), at: NOW }));
      expect(await load(payment.id)).toMatchObject({ status: 'SUCCEEDED', amount: 0, provider: 'none', settledAt: NOW });
      const [row] = await outboxRows(adapters.transactions);
      expect(row).toMatchObject({ type: 'payment.succeeded.v1', aggregateId: payment.id });
      expect(row!.payload).toMatchObject({ paymentId: payment.id, amount: 0 });
    });

    it('refuses a second PENDING payment of one order as PAYMENT_IN_PROGRESS (the partial unique index), writing nothing of it', async () => {
      await open();
      const orderId = newId();
      const first = await insert(started({ orderId }));
      const refused = await insert(started({ orderId })).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PaymentInProgressError);
      // The index names no payment: the error names none either (no made-up id in its place).
      expect(refused).toMatchObject({ details: { orderId }, message: `order ${orderId} has a payment in progress; wait for it to settle` });
      expect((refused as PaymentInProgressError).details).not.toHaveProperty('paymentId');
      expect(await database.count('payment')).toBe(1);
      // Once the first failed, the next attempt goes in.
      await change(first.id, (p) => p.fail({ reason: 'DECLINED', detail: null, at: at(1) }));
      const second = await insert(started({ orderId }));
      expect((await adapters.transactions.run(() => adapters.payments.pendingOfOrder(orderId)))?.id).toBe(second.id);
    });

    it('refuses the same payment id twice and a stale update (StaleAggregateError), keeping the first writer’s change', async () => {
      await open();
      const payment = await insert(started());
      await expect(insert(Payment.restore({ ...payment.toSnapshot(), orderId: newId() }))).rejects.toThrow(/unique|duplicate|primary/i);

      // Two loads at version 0 (each in a transaction of its own, as two use cases load it); the first save wins, the second is stale.
      const loadForChange = () => adapters.transactions.run(() => adapters.payments.findForUpdate(payment.id));
      const a = await loadForChange();
      const b = await loadForChange();
      a!.succeed({ providerPaymentId: 'sbx_a', amount: 8_000, currency: 'CNY', at: at(1) });
      await adapters.transactions.run(() => adapters.payments.save(a!));
      b!.fail({ reason: 'DECLINED', detail: null, at: at(2) });
      await expect(adapters.transactions.run(() => adapters.payments.save(b!))).rejects.toBeInstanceOf(StaleAggregateError);
      expect(await load(payment.id)).toMatchObject({ status: 'SUCCEEDED', version: 1 });
      expect((await outboxRows(adapters.transactions)).map((row) => row.type)).toEqual(['payment.succeeded.v1']);
    });

    it('never saves a payment read with find (read-only): its save is refused and the stored one is left as it was', async () => {
      await open();
      const payment = await insert(started());
      const read = (await adapters.payments.find(payment.id))!;
      read.succeed({ providerPaymentId: 'sbx_read', amount: 8_000, currency: 'CNY', at: at(1) });
      await expect(adapters.transactions.run(() => adapters.payments.save(read))).rejects.toThrow(/unique|duplicate|primary/i);
      expect(await load(payment.id)).toMatchObject({ status: 'PENDING', version: 0 });
      expect(await outboxRows(adapters.transactions)).toEqual([]);
    });

    it('saves a payment twice in one transaction (the second save an update at the version the first wrote)', async () => {
      await open();
      const payment = started();
      await adapters.transactions.run(async () => {
        await adapters.payments.save(payment);
        payment.succeed({ providerPaymentId: 'sbx_x', amount: 8_000, currency: 'CNY', at: at(1) });
        await adapters.payments.save(payment);
      });
      expect(await load(payment.id)).toMatchObject({ status: 'SUCCEEDED', version: 1 });
      expect((await outboxRows(adapters.transactions)).map((row) => row.type)).toEqual(['payment.succeeded.v1']);
    });

    it('rolls back the payment and its events together', async () => {
      await open();
      const payment = await insert(started());
      await expect(
        adapters.transactions.run(async () => {
          const loaded = (await adapters.payments.findForUpdate(payment.id))!;
          loaded.succeed({ providerPaymentId: 'sbx_x', amount: 8_000, currency: 'CNY', at: at(1) });
          await adapters.payments.save(loaded);
          throw new Error('the work failed after the save');
        }),
      ).rejects.toThrow('the work failed after the save');
      expect(await load(payment.id)).toMatchObject({ status: 'PENDING', version: 0 });
      expect(await outboxTypes()).toEqual([]);
    });

    it('finds nothing for an unknown or malformed id, and tells whether an order has a payment that took the money', async () => {
      await open();
      const orderId = newId();
      expect(await adapters.payments.find(newId())).toBeNull();
      expect(await adapters.payments.find('not-a-uuid')).toBeNull();
      expect(await adapters.transactions.run(() => adapters.payments.findForUpdate("'; DROP TABLE payment; --"))).toBeNull();
      const payment = await insert(started({ orderId }));
      expect(await adapters.payments.find(payment.id.toUpperCase())).not.toBeNull();
      expect(await adapters.payments.hasSucceededPayment(orderId)).toBe(false);
      await change(payment.id, (p) => p.fail({ reason: 'DECLINED', detail: null, at: at(1) }));
      expect(await adapters.payments.hasSucceededPayment(orderId)).toBe(false);
      const paid = await insert(started({ orderId }));
      await change(paid.id, (p) => p.succeed({ providerPaymentId: 'sbx_x', amount: 8_000, currency: 'CNY', at: at(2) }));
      expect(await adapters.payments.hasSucceededPayment(orderId)).toBe(true);
      await change(paid.id, (p) => p.requestRefund({ reason: 'CUSTOMER_REQUEST', amount: 8_000, refundId: newId(), at: at(3) }));
      expect(await adapters.payments.hasSucceededPayment(orderId)).toBe(true);
      expect(await adapters.payments.hasSucceededPayment(newId())).toBe(false);
    });

    it('lists the PENDING payments created before an instant, oldest first, and only those', async () => {
      await open();
      const oldest = await insert(started({ createdAt: at(-3_000) }));
      const older = await insert(started({ createdAt: at(-2_000) }));
      const settled = await insert(started({ createdAt: at(-4_000) }));
      await change(settled.id, (p) => p.fail({ reason: 'DECLINED', detail: null, at: at(0) }));
      await insert(started({ createdAt: at(0) }));
      expect(await adapters.payments.pendingCreatedBefore(NOW, 10)).toEqual([oldest.id, older.id]);
      expect(await adapters.payments.pendingCreatedBefore(NOW, 1)).toEqual([oldest.id]);
      expect(await adapters.payments.pendingCreatedBefore(at(-3_000), 10)).toEqual([]);
    });

    it('lists the refunds due, most overdue first, not those due later nor those refunded', async () => {
      await open();
      const refunding = async (retryAt: Date | null) => {
        const payment = await insert(started());
        await change(payment.id, (p) => p.succeed({ providerPaymentId: 'sbx_x', amount: 8_000, currency: 'CNY', at: at(-10_000) }));
        await change(payment.id, (p) => p.requestRefund({ reason: 'LATE_PAYMENT', amount: 8_000, refundId: newId(), at: at(-10_000) }));
        if (retryAt) await change(payment.id, (p) => p.refundRefused({ error: 'no', at: at(-9_000), retryAt }));
        return payment.id;
      };
      const dueFirst = await refunding(null); // due since its request
      const due = await refunding(at(-1_000));
      await refunding(at(1_000));
      const refunded = await refunding(null);
      await change(refunded, (p) => p.refundSucceeded(at(-5_000)));
      expect(await adapters.payments.refundsDue(NOW, 10)).toEqual([dueFirst, due]);
      expect(await adapters.payments.refundsDue(NOW, 1)).toEqual([dueFirst]);
    });
  });

  describe('payable orders', () => {
    it('adds an order awaiting payment and loads it back; a save updates it', async () => {
      await open();
      const order = PayableOrder.awaiting({ orderId: newId(), userId: newId(), payable: 8_000, paymentDueAt: at(900_000), at: NOW });
      await adapters.transactions.run(() => adapters.payableOrders.save(order));
      const loaded = await adapters.transactions.run(() => adapters.payableOrders.findForUpdate(order.orderId));
      expect(loaded?.toSnapshot()).toEqual(order.toSnapshot());
      loaded!.markPaid(at(1_000));
      await adapters.transactions.run(() => adapters.payableOrders.save(loaded!));
      expect((await adapters.transactions.run(() => adapters.payableOrders.findForUpdate(order.orderId)))?.toSnapshot()).toMatchObject({
        state: 'PAID',
        payable: 8_000,
        updatedAt: at(1_000),
      });
      expect(await adapters.transactions.run(() => adapters.payableOrders.findForUpdate('nope'))).toBeNull();
    });

    it('reads an order without locking it (find: what reconciliation looks at), also while another transaction holds it', async () => {
      await open();
      const order = PayableOrder.awaiting({ orderId: newId(), userId: newId(), payable: 8_000, paymentDueAt: at(900_000), at: NOW });
      await adapters.transactions.run(() => adapters.payableOrders.save(order));
      expect((await adapters.payableOrders.find(order.orderId.toUpperCase()))?.toSnapshot()).toEqual(order.toSnapshot());
      expect(await adapters.payableOrders.find(newId())).toBeNull();
      expect(await adapters.payableOrders.find("'; DROP TABLE payment_payable_order; --")).toBeNull();
      if (kind !== 'postgres') return; // SQLite: one writer, and readers are not blocked by it anyway
      let release!: () => void;
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holding = adapters.transactions.run(async () => {
        await adapters.payableOrders.findForUpdate(order.orderId);
        locked();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await isLocked;
      // With FOR UPDATE this would wait for the holder, which waits for it: the test would hang.
      expect((await adapters.payableOrders.find(order.orderId))?.state).toBe('AWAITING_PAYMENT');
      release();
      await holding;
    });

    it('never reopens a closed order, even from a save that did not see it closed (two first events of one order at once)', async () => {
      await open();
      const orderId = newId();
      const userId = newId();
      // Both handlers found nothing: one writes the cancellation's tombstone, the other an awaiting after it.
      await adapters.transactions.run(() => adapters.payableOrders.save(PayableOrder.closedBeforeSeen(orderId, userId, 'CANCELLED', NOW)));
      await adapters.transactions.run(() =>
        adapters.payableOrders.save(PayableOrder.awaiting({ orderId, userId, payable: 8_000, paymentDueAt: at(900_000), at: at(1) })),
      );
      expect((await adapters.transactions.run(() => adapters.payableOrders.findForUpdate(orderId)))?.toSnapshot()).toMatchObject({
        state: 'CANCELLED',
        payable: 0,
        paymentDueAt: null,
      });
    });
  });

  describe('the queries', () => {
    it('answer a payment to its payer only, and to admins with whose it is', async () => {
      await open();
      const payment = await insert(started());
      const snapshot = (await load(payment.id))!;
      expect(await adapters.queries.paymentOfUser(payment.id, payment.userId)).toEqual(paymentViewOf(snapshot));
      expect(await adapters.queries.paymentOfUser(payment.id, newId())).toBeNull();
      expect(await adapters.queries.paymentOfUser('nope', payment.userId)).toBeNull();
      expect(await adapters.queries.payment(payment.id)).toEqual(adminPaymentViewOf(snapshot));
      expect(await adapters.queries.payment(newId())).toBeNull();
    });

    it('never show a transaction’s uncommitted payment', async () => {
      await open();
      const payment = started();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let saved!: () => void;
      const isSaved = new Promise<void>((resolve) => (saved = resolve));
      const writer = adapters.transactions.run(async () => {
        await adapters.payments.save(payment);
        saved();
        await held;
      });
      await isSaved;
      const reading = adapters.queries.payment(payment.id);
      // On SQLite the read waits for the transaction; on PostgreSQL it sees what was committed: nothing yet.
      if (kind === 'postgres') expect(await reading).toBeNull();
      release();
      await writer;
      if (kind === 'sqlite') expect(await reading).not.toBeNull();
    });

    it('list every payment newest first, page by page with the cursor, and by status', async () => {
      await open();
      const payments: Payment[] = [];
      // Two at the same instant: the id breaks the tie.
      for (const offset of [0, 1_000, 1_000, 2_000, 3_000]) payments.push(await insert(started({ createdAt: at(offset) })));
      await change(payments[1]!.id, (p) => p.fail({ reason: 'DECLINED', detail: null, at: at(5_000) }));
      const newestFirst = [...payments]
        .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0))
        .map((payment) => payment.id);

      const seen: string[] = [];
      let cursor = null as Awaited<ReturnType<typeof adapters.queries.listForAdmin>>['nextCursor'];
      let pages = 0;
      do {
        const page = await adapters.queries.listForAdmin({ cursor, limit: 2 });
        seen.push(...page.items.map((item) => item.paymentId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(seen).toEqual(newestFirst);
      expect(pages).toBe(3);

      const failed = await adapters.queries.listForAdmin({ status: 'FAILED', cursor: null, limit: 10 });
      expect(failed).toEqual({
        items: [expect.objectContaining({ paymentId: payments[1]!.id, status: 'FAILED', userId: payments[1]!.userId })],
        nextCursor: null,
      });
      const pending = await adapters.queries.listForAdmin({ status: 'PENDING', cursor: null, limit: 4 });
      expect(pending.items.map((item) => item.paymentId)).toEqual(newestFirst.filter((id) => id !== payments[1]!.id));
      expect(pending.nextCursor).toBeNull();
    });

    it('show a refund under way to admins: attempts, last error, next try', async () => {
      await open();
      const payment = await insert(started());
      await change(payment.id, (p) => p.succeed({ providerPaymentId: 'sbx_x', amount: 8_000, currency: 'CNY', at: at(1) }));
      await change(payment.id, (p) => p.requestRefund({ reason: 'LATE_PAYMENT', amount: 8_000, refundId: newId(), at: at(2) }));
      await change(payment.id, (p) => p.refundRefused({ error: 'refused by the provider', at: at(3), retryAt: at(5_003) }));
      const page = await adapters.queries.listForAdmin({ status: 'REFUNDING', cursor: null, limit: 50 });
      expect(page.items).toEqual([
        expect.objectContaining({
          paymentId: payment.id,
          status: 'REFUNDING',
          refund: {
            reason: 'LATE_PAYMENT',
            requestedAt: at(2).toISOString(),
            attempts: 1,
            lastError: 'refused by the provider',
            nextAttemptAt: at(5_003).toISOString(),
            refundedAt: null,
          },
        }),
      ]);
    });
  });
});

describe('the payment repository across instances (PostgreSQL)', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('lets one of two instances starting a payment of one order at once win; the other is PAYMENT_IN_PROGRESS', async () => {
    const database = await openPaymentDatabase('postgres', cleanups);
    const instances = [database.transactions, await database.openAnotherInstance()].map((transactions) => paymentAdapters(transactions));
    const orderId = newId();
    const outcomes = await Promise.allSettled(instances.map((adapters) => adapters.transactions.run(() => adapters.payments.save(started({ orderId })))));
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: expect.any(PaymentInProgressError) });
    expect(await database.count('payment', `order_id = $1`, [orderId])).toBe(1);
  });

  it('serialises a callback and reconciliation settling one payment: the second waits on the row lock, then sees it settled', async () => {
    const database = await openPaymentDatabase('postgres', cleanups);
    const [a, b] = [database.transactions, await database.openAnotherInstance()].map((transactions) => paymentAdapters(transactions));
    const payment = started();
    await a!.transactions.run(() => a!.payments.save(payment));
    const settle = (adapters: PaymentAdapters, how: 'succeed' | 'fail') =>
      adapters.transactions.run(async () => {
        const loaded = (await adapters.payments.findForUpdate(payment.id))!;
        const outcome =
          how === 'succeed'
            ? loaded.succeed({ providerPaymentId: 'sbx_x', amount: 8_000, currency: 'CNY', at: at(1) })
            : loaded.fail({ reason: 'EXPIRED', detail: null, at: at(1) });
        await adapters.payments.save(loaded);
        return outcome;
      });
    const outcomes = await Promise.all([settle(a!, 'succeed'), settle(b!, 'fail')]);
    // Either order: a success then an ignored failure, or a failure then a success over it.
    expect([
      ['succeeded', 'ignored'],
      ['succeeded-after-failure', 'failed'],
    ]).toContainEqual(outcomes);
    const types = (await outboxRows(a!.transactions)).map((row) => row.type);
    expect(types.filter((type) => type === 'payment.succeeded.v1')).toHaveLength(1);
  });
});
