// The coupon service as a participant of the order saga (DESIGN.md section 6), with the order
// context played by the test: it publishes the contract events (order.placed.v1, …) to the broker as
// the order service will, and listens to what the coupon service answers (coupon.reserved.v1,
// coupon.reservation-rejected.v1) on a queue of its own. Every step is delivered twice: the same
// event again (same id: the inbox drops it) and another event for the same order (another id: the
// use case is idempotent by order id). On PostgreSQL + RabbitMQ and on SQLite + the in-memory transport.
import { randomUUID } from 'node:crypto';
import {
  CouponReservationRejectedV1,
  CouponReservedV1,
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  OrderRefundedV1,
  type AdminCouponTemplate,
  type ClaimCouponResponse,
  type CouponTemplateResponse,
  type EventEnvelope,
  type MyCoupon,
} from '@shop/contracts';
import type { Identity } from '@shop/http';
import { Cleanups, waitFor, type EventProbe } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUPS, CouponServiceHome, aCustomer, anAdmin, envelopeOf, type CouponApi } from './support/coupon-service-harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;
type Answer = CouponReservedV1 | CouponReservationRejectedV1;

describe.each(SETUPS)('the coupon service in the order saga on %s', (setup) => {
  const cleanups = new Cleanups();
  const admin = anAdmin();
  let home: CouponServiceHome;
  let api: CouponApi;
  let answers: EventProbe<Answer>;

  beforeAll(async () => {
    home = await CouponServiceHome.create(setup, cleanups);
    ({ api } = await home.start());
    // Bound before any order is placed: the coupon service's answers then have somewhere to go.
    answers = await home.listen<Answer>([CouponReservedV1.type, CouponReservationRejectedV1.type]);
  });
  afterAll(() => cleanups.run());

  // ---------------------------------------------------------------- arranging

  /** A campaign of its own for each test: 5 yuan off from 30 yuan, or what `discount` says. */
  async function campaign(discount: Record<string, unknown> = { kind: 'amount_off', amountOff: 500, minSpend: 3000 }): Promise<CouponTemplateResponse> {
    return api.createTemplate<CouponTemplateResponse>(
      { name: `Saga ${randomUUID().slice(0, 8)}`, discount, totalStock: 1000, perUserLimit: 10, validity: { validDays: 30 } },
      admin,
    );
  }

  /** A coupon of the campaign in the customer's hands (claimed over HTTP). */
  async function couponOf(template: CouponTemplateResponse, owner: Identity): Promise<string> {
    const response = await api.claim(template.templateId, owner);
    if (response.status !== 201) throw new Error(`claim answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as ClaimCouponResponse).couponId;
  }

  /** A coupon whose validity has ended, arranged in its store: no test waits for a clock. */
  async function endValidityOf(couponId: string): Promise<void> {
    const p = (n: number) => home.param(n);
    await home.query(`UPDATE coupon SET valid_from = ${p(1)}, valid_until = ${p(2)} WHERE id = ${p(3)}`, [
      Date.now() - 2 * DAY_MS,
      Date.now() - DAY_MS,
      couponId,
    ]);
  }

  interface Order {
    readonly orderId: string;
    readonly userId: string;
    readonly couponId: string | null;
    /** Fen. */
    readonly subtotal: number;
  }

  const anOrder = (customer: Identity, couponId: string | null, subtotal = 10_000): Order => ({
    orderId: randomUUID(),
    userId: customer.userId,
    couponId,
    subtotal,
  });
  const now = () => new Date().toISOString();
  const common = (order: Order) => ({ orderId: order.orderId, userId: order.userId, couponId: order.couponId, pointsToUse: 0 });

  const placed = (order: Order) =>
    envelopeOf(
      OrderPlacedV1,
      {
        ...common(order),
        items: [{ sku: 'TEA-01', quantity: 1, unitPrice: order.subtotal, lineTotal: order.subtotal }],
        subtotal: order.subtotal,
        placedAt: now(),
      },
      { aggregateId: order.orderId, source: 'order' },
    );
  const cancelled = (order: Order) =>
    envelopeOf(OrderCancelledV1, { ...common(order), reason: 'CUSTOMER_CANCELLED', cancelledAt: now() }, { aggregateId: order.orderId, source: 'order' });
  const paid = (order: Order) =>
    envelopeOf(OrderPaidV1, { ...common(order), amountPaid: order.subtotal - 500, paidAt: now() }, { aggregateId: order.orderId, source: 'order' });
  const refunded = (order: Order) =>
    envelopeOf(OrderRefundedV1, { ...common(order), amountRefunded: order.subtotal - 500, refundedAt: now() }, { aggregateId: order.orderId, source: 'order' });

  // ---------------------------------------------------------------- observing

  /** The one answer the coupon service gave the order: written once to its outbox, and received by the order side. */
  async function theAnswerTo(orderId: string): Promise<EventEnvelope<Answer>> {
    const written = await home.query<{ type: string }>(`SELECT type FROM outbox WHERE aggregate_id = ${home.param(1)}`, [orderId]);
    expect(written).toHaveLength(1);
    const received = await waitFor(() => answers.about([orderId]).length > 0 && answers.about([orderId]), {
      timeoutMs: 60_000,
      what: `the coupon service's answer to order ${orderId}`,
    });
    // The relay publishes at least once: a repeat would carry the same id, so distinct ids are distinct answers.
    expect(new Set(received.map((event) => event.id)).size).toBe(1);
    expect(received[0]!.type).toBe(written[0]!.type);
    return received[0]!;
  }

  async function expectNoAnswerTo(orderId: string): Promise<void> {
    expect(await home.count('outbox', `aggregate_id = ${home.param(1)}`, [orderId])).toBe(0);
  }

  async function couponRow(couponId: string): Promise<{ status: string; orderId: string | null }> {
    const [row] = await home.query<{ status: string; order_id: string | null }>(`SELECT status, order_id FROM coupon WHERE id = ${home.param(1)}`, [couponId]);
    if (!row) throw new Error(`no coupon ${couponId}`);
    return { status: row.status, orderId: row.order_id };
  }

  async function reservationOf(orderId: string): Promise<{ status: string; reason: string | null } | undefined> {
    const [row] = await home.query<{ status: string; reason: string | null }>(
      `SELECT status, reason FROM coupon_reservation WHERE order_id = ${home.param(1)}`,
      [orderId],
    );
    return row && { status: row.status, reason: row.reason };
  }

  async function myCoupon(owner: Identity, couponId: string): Promise<MyCoupon | undefined> {
    const response = await api.viaGateway('GET', '/me/coupons', { identity: owner });
    return ((await response.json()) as MyCoupon[]).find((coupon) => coupon.couponId === couponId);
  }

  async function adminView(templateId: string): Promise<AdminCouponTemplate | undefined> {
    const response = await api.viaGateway('GET', '/admin/coupon-templates', { identity: admin });
    return ((await response.json()) as AdminCouponTemplate[]).find((template) => template.templateId === templateId);
  }

  /** Places the order and expects its coupon reserved for `discount`. */
  async function reserve(order: Order, discount: number): Promise<void> {
    await home.deliver(placed(order));
    const answer = await theAnswerTo(order.orderId);
    expect([answer.type, (answer.payload as CouponReservedV1).discount]).toEqual([CouponReservedV1.type, discount]);
  }

  // ---------------------------------------------------------------- the saga

  describe('try: order.placed.v1 with a coupon', () => {
    it('locks the coupon to the order and answers coupon.reserved.v1 with the discount, once', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId, 10_000);

      await home.deliverTwice(placed(order));

      const answer = await theAnswerTo(order.orderId);
      expect(answer).toMatchObject({ type: CouponReservedV1.type, source: 'coupon', aggregateId: order.orderId });
      expect(answer.payload).toEqual({ orderId: order.orderId, couponId, userId: customer.userId, discount: 500, reservedAt: expect.any(String) });
      expect(await couponRow(couponId)).toEqual({ status: 'LOCKED', orderId: order.orderId });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'RESERVED', reason: null });
      expect(await myCoupon(customer, couponId)).toMatchObject({ status: 'LOCKED', orderId: order.orderId });
    });

    it('computes a percentage off the subtotal, capped by maxOff', async () => {
      const template = await campaign({ kind: 'percent_off', percentOff: 15, maxOff: 2000 });
      const customer = aCustomer();
      const small = anOrder(customer, await couponOf(template, customer), 10_990);
      const large = anOrder(customer, await couponOf(template, customer), 50_000);
      await reserve(small, 1648); // 15 % of 109.90 yuan, rounded down to the fen
      await reserve(large, 2000); // 15 % would be 75 yuan: capped at 20
    });

    it.each<[string, (arrange: Arrangement) => Promise<Order>]>([
      ['NOT_FOUND', async ({ customer }) => anOrder(customer, randomUUID())],
      ['NOT_OWNER', async ({ couponId }) => anOrder(aCustomer(), couponId)],
      [
        'NOT_AVAILABLE',
        async ({ customer, couponId }) => {
          await reserve(anOrder(customer, couponId), 500); // locked to an earlier order
          return anOrder(customer, couponId);
        },
      ],
      [
        'EXPIRED',
        async ({ customer, couponId }) => {
          await endValidityOf(couponId);
          return anOrder(customer, couponId);
        },
      ],
      ['BELOW_MIN_SPEND', async ({ customer, couponId }) => anOrder(customer, couponId, 2999)],
    ])('rejects %s with coupon.reservation-rejected.v1, once, and leaves the coupon as it was', async (reason, arrange) => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = await arrange({ customer, couponId });
      const before = await couponRow(couponId);

      await home.deliverTwice(placed(order));

      const answer = await theAnswerTo(order.orderId);
      expect(answer.type).toBe(CouponReservationRejectedV1.type);
      expect(answer.payload).toEqual({ orderId: order.orderId, couponId: order.couponId, userId: order.userId, reason, rejectedAt: expect.any(String) });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'REJECTED', reason });
      expect(await couponRow(couponId)).toEqual(before);
    });

    it.each([
      ['an amount off of a subtotal of 0', { kind: 'amount_off', amountOff: 500 }, 0],
      ['a percentage that rounds down to 0 fen', { kind: 'percent_off', percentOff: 15 }, 6],
    ])('rejects BELOW_MIN_SPEND for %s: the coupon would give nothing, so it stays AVAILABLE', async (_, discount, subtotal) => {
      const template = await campaign(discount);
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId, subtotal);

      await home.deliverTwice(placed(order));

      const answer = await theAnswerTo(order.orderId);
      expect([answer.type, (answer.payload as CouponReservationRejectedV1).reason]).toEqual([CouponReservationRejectedV1.type, 'BELOW_MIN_SPEND']);
      expect(await reservationOf(order.orderId)).toEqual({ status: 'REJECTED', reason: 'BELOW_MIN_SPEND' });
      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      await reserve(anOrder(customer, couponId, subtotal + 1), 1); // one fen more: one fen off
    });

    it('takes ids in any case (the uuid format admits upper case): the owner’s order is reserved, and released by its lower-case id', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      const shouted = { ...order, orderId: order.orderId.toUpperCase(), userId: order.userId.toUpperCase(), couponId: couponId.toUpperCase() };

      await home.deliverTwice(placed(shouted));
      await home.deliver(placed(order)); // the same order in lower case: decided already, answered once

      const answer = await theAnswerTo(order.orderId);
      expect(answer.payload).toEqual({ orderId: order.orderId, couponId, userId: customer.userId, discount: 500, reservedAt: expect.any(String) });
      expect(await couponRow(couponId)).toEqual({ status: 'LOCKED', orderId: order.orderId });

      await home.deliver(cancelled(order));
      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'RELEASED', reason: null });
    });

    it('answers nothing for an order without a coupon, at any step; its cancellation leaves a tombstone', async () => {
      const order = anOrder(aCustomer(), null);
      for (const envelope of [placed(order), paid(order), refunded(order)]) await home.deliver(envelope);
      expect(await reservationOf(order.orderId)).toBeUndefined();
      await home.deliver(cancelled(order));
      expect(await reservationOf(order.orderId)).toEqual({ status: 'CANCELLED_UNSEEN', reason: null });
      await expectNoAnswerTo(order.orderId);
    });
  });

  describe('cancel: order.cancelled.v1', () => {
    it('releases the coupon locked to the order: AVAILABLE again and good for the next order; no answer is sent', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      await reserve(order, 500);

      await home.deliverTwice(cancelled(order));

      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'RELEASED', reason: null });
      expect(await home.count('outbox', `aggregate_id = ${home.param(1)}`, [order.orderId])).toBe(1); // the reservation's answer only
      await reserve(anOrder(customer, couponId), 500);
    });

    it('records a tombstone for an order never seen; its placement arriving later is rejected ORDER_CANCELLED and locks nothing', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);

      await home.deliverTwice(cancelled(order));
      expect(await reservationOf(order.orderId)).toEqual({ status: 'CANCELLED_UNSEEN', reason: null });
      await expectNoAnswerTo(order.orderId);

      await home.deliverTwice(placed(order));

      const answer = await theAnswerTo(order.orderId);
      expect(answer.type).toBe(CouponReservationRejectedV1.type);
      expect(answer.payload).toMatchObject({ orderId: order.orderId, couponId, userId: customer.userId, reason: 'ORDER_CANCELLED' });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'REJECTED', reason: 'ORDER_CANCELLED' });
      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      await reserve(anOrder(customer, couponId), 500);
    });

    it('releases the coupon reserved for the order even when the cancellation names no coupon (found by order id)', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      await reserve(order, 500);

      await home.deliverTwice(cancelled({ ...order, couponId: null }));

      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'RELEASED', reason: null });
      await reserve(anOrder(customer, couponId), 500);
    });

    it('records a tombstone for a cancellation naming no coupon, never seen: a placement with a coupon arriving later is rejected ORDER_CANCELLED', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);

      await home.deliverTwice(cancelled({ ...order, couponId: null }));
      await home.deliverTwice(placed(order));

      expect((await theAnswerTo(order.orderId)).payload).toMatchObject({ couponId, reason: 'ORDER_CANCELLED' });
      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
    });

    it('releases nothing for a rejected reservation (the coupon is not the order’s)', async () => {
      const template = await campaign();
      const owner = aCustomer();
      const couponId = await couponOf(template, owner);
      const mine = anOrder(owner, couponId);
      await reserve(mine, 500);
      const thief = anOrder(aCustomer(), couponId);
      await home.deliver(placed(thief));
      expect((await theAnswerTo(thief.orderId)).payload).toMatchObject({ reason: 'NOT_OWNER' });

      await home.deliverTwice(cancelled(thief));

      expect(await couponRow(couponId)).toEqual({ status: 'LOCKED', orderId: mine.orderId });
      expect(await reservationOf(thief.orderId)).toEqual({ status: 'REJECTED', reason: 'NOT_OWNER' });
    });
  });

  describe('confirm: order.paid.v1', () => {
    it('marks the coupon USED (counted as used); it cannot serve another order', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      await reserve(order, 500);

      await home.deliverTwice(paid(order));

      expect(await couponRow(couponId)).toEqual({ status: 'USED', orderId: order.orderId });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'CONFIRMED', reason: null });
      expect(await adminView(template.templateId)).toMatchObject({ issued: 1, used: 1 });
      expect(await myCoupon(customer, couponId)).toMatchObject({ status: 'USED', orderId: order.orderId });

      const next = anOrder(customer, couponId);
      await home.deliver(placed(next));
      expect((await theAnswerTo(next.orderId)).payload).toMatchObject({ reason: 'NOT_AVAILABLE' });
    });

    it('confirms and returns the coupon of an order whose payment and refund name no coupon (found by order id)', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      await reserve(order, 500);

      await home.deliverTwice(paid({ ...order, couponId: null }));
      expect(await couponRow(couponId)).toEqual({ status: 'USED', orderId: order.orderId });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'CONFIRMED', reason: null });

      await home.deliverTwice(refunded({ ...order, couponId: null }));
      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'REFUNDED', reason: null });
    });
  });

  describe('refund: order.refunded.v1', () => {
    it('gives the coupon back AVAILABLE while it is still valid, and it serves the next order', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      await reserve(order, 500);
      await home.deliver(paid(order));

      await home.deliverTwice(refunded(order));

      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'REFUNDED', reason: null });
      expect(await adminView(template.templateId)).toMatchObject({ issued: 1, used: 0 });
      await reserve(anOrder(customer, couponId), 500);
    });

    it('gives the coupon back EXPIRED once its validity has ended', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      await reserve(order, 500);
      await home.deliver(paid(order));
      await endValidityOf(couponId);

      await home.deliverTwice(refunded(order));

      expect((await couponRow(couponId)).status).toBe('EXPIRED');
      expect(await reservationOf(order.orderId)).toEqual({ status: 'REFUNDED', reason: null });
      expect(await myCoupon(customer, couponId)).toMatchObject({ status: 'EXPIRED' });
    });

    it('returns nothing for an order that was never paid (a refund of a cancelled order changes nothing)', async () => {
      const template = await campaign();
      const customer = aCustomer();
      const couponId = await couponOf(template, customer);
      const order = anOrder(customer, couponId);
      await reserve(order, 500);
      await home.deliver(cancelled(order));

      await home.deliverTwice(refunded(order));

      expect(await couponRow(couponId)).toEqual({ status: 'AVAILABLE', orderId: null });
      expect(await reservationOf(order.orderId)).toEqual({ status: 'RELEASED', reason: null });
    });
  });
});

interface Arrangement {
  readonly customer: Identity;
  readonly couponId: string;
}
