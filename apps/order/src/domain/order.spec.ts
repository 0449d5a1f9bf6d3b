import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { OrderLine } from './order-line.js';
import { Order, type OrderSnapshot } from './order.js';
import { ORDER_STATUSES, ORDER_TRANSITIONS, type OrderStatus } from './order-status.js';
import {
  MOTHER_DISCOUNT,
  MOTHER_EPOCH,
  MOTHER_PAYABLE,
  MOTHER_POINTS,
  MOTHER_SUBTOTAL,
  OrderMother,
  PAYMENT_TIMEOUT_MS,
  RESERVATION_TIMEOUT_MS,
} from './testing/order.mother.js';

const MINUTE = 60_000;
const at = (minutes: number) => new Date(MOTHER_EPOCH.getTime() + minutes * MINUTE);
const later = at(10);
const FAR_FUTURE = at(60 * 24);
const pt = PAYMENT_TIMEOUT_MS;

type Operation = (order: Order) => unknown;
/** Every operation an order offers, each as the saga or a person would call it on any order. */
const operations: Record<string, Operation> = {
  cancelByCustomer: (o) => o.cancelByCustomer(later),
  accept: (o) => o.accept(later),
  ship: (o) => o.ship(later),
  deliver: (o) => o.deliver(later),
  confirmReceipt: (o) => o.confirmReceipt(later),
  requestRefund: (o) => o.requestRefund(later),
  expire: (o) => o.expire(FAR_FUTURE),
  couponReserved: (o) => o.recordCouponReserved({ couponId: o.couponId!, discount: MOTHER_DISCOUNT, at: later, paymentTimeoutMs: pt }),
  couponRejected: (o) => o.recordCouponRejected({ couponId: o.couponId!, reason: 'EXPIRED', at: later }),
  pointsReserved: (o) => o.recordPointsReserved({ points: o.pointsToUse, at: later, paymentTimeoutMs: pt }),
  pointsRejected: (o) => o.recordPointsRejected({ reason: 'INSUFFICIENT_POINTS', at: later }),
  newPayment: (o) => o.recordPayment({ paymentId: newId(), amount: o.payable ?? MOTHER_PAYABLE, at: later }),
  refundOfCaptured: (o) => o.recordRefund({ paymentId: o.capturedPayment?.paymentId ?? newId(), amount: MOTHER_PAYABLE, at: later }),
};

type Expected = OrderStatus | 'unchanged' | `throws ${string}`;
const S = (row: Partial<Record<OrderStatus, Expected>>, otherwise: Expected): Record<OrderStatus, Expected> =>
  Object.fromEntries(ORDER_STATUSES.map((status) => [status, row[status] ?? otherwise])) as Record<OrderStatus, Expected>;

/** What each operation does from each of the 10 statuses: the status it moves to, nothing, or the error code it throws. */
const table: Record<keyof typeof operations, Record<OrderStatus, Expected>> = {
  cancelByCustomer: S({ PENDING: 'CANCELLED', AWAITING_PAYMENT: 'CANCELLED' }, 'throws INVALID_STATE'),
  accept: S({ PAID: 'ACCEPTED' }, 'throws INVALID_STATE'),
  ship: S({ ACCEPTED: 'SHIPPED' }, 'throws INVALID_STATE'),
  deliver: S({ SHIPPED: 'DELIVERED' }, 'throws INVALID_STATE'),
  confirmReceipt: S({ DELIVERED: 'COMPLETED' }, 'throws INVALID_STATE'),
  requestRefund: S({ PAID: 'REFUNDING', ACCEPTED: 'REFUNDING', SHIPPED: 'REFUNDING', DELIVERED: 'REFUNDING' }, 'throws INVALID_STATE'),
  expire: S({ PENDING: 'CANCELLED', AWAITING_PAYMENT: 'CANCELLED' }, 'unchanged'),
  // PENDING waits for both reservations: one in, the other still awaited.
  couponReserved: S({}, 'unchanged'),
  couponRejected: S({ PENDING: 'CANCELLED' }, 'unchanged'),
  pointsReserved: S({}, 'unchanged'),
  pointsRejected: S({ PENDING: 'CANCELLED' }, 'unchanged'),
  newPayment: S({ PENDING: 'throws ORDER_NOT_AWAITING_PAYMENT_YET', AWAITING_PAYMENT: 'PAID' }, 'unchanged'),
  refundOfCaptured: S(
    {
      PENDING: 'throws REFUND_BEFORE_PAYMENT',
      AWAITING_PAYMENT: 'throws REFUND_BEFORE_PAYMENT',
      CANCELLED: 'throws REFUND_BEFORE_PAYMENT',
      // The provider's own refund of a completed order's payment: the money is gone, the order follows.
      COMPLETED: 'REFUNDED',
      PAID: 'REFUNDED',
      ACCEPTED: 'REFUNDED',
      SHIPPED: 'REFUNDED',
      DELIVERED: 'REFUNDED',
      REFUNDING: 'REFUNDED',
    },
    'unchanged',
  ),
};

const cases = Object.entries(table).flatMap(([operation, row]) => ORDER_STATUSES.map((status) => [operation, status, row[status]] as const));

describe('Order: the state machine, every operation from every status', () => {
  it.each(cases)('%s from %s → %s', (operation, status, expected) => {
    const order = OrderMother.stored(status);
    const before = order.toSnapshot();
    if (expected.startsWith('throws ')) {
      const code = expected.slice('throws '.length);
      expect(() => operations[operation]!(order)).toThrow(expect.objectContaining({ code }));
      expect(order.toSnapshot(), 'nothing changed').toEqual(before);
      expect(order.pullDomainEvents()).toEqual([]);
      if (code === 'INVALID_STATE') expect(() => operations[operation]!(order)).toThrow(new RegExp(`from ${status} to [A-Z_]+`));
      return;
    }
    operations[operation]!(order);
    const after = order.toSnapshot();
    if (expected === 'unchanged') {
      expect(after.status).toBe(status);
      expect(after.history).toEqual(before.history);
      return;
    }
    expect(after.status).toBe(expected);
    // Every move is kept in history, and the history's last entry is the current status.
    expect(after.history.slice(0, before.history.length)).toEqual(before.history);
    expect(after.history.at(-1)).toEqual({
      status: expected,
      at: operation === 'expire' ? FAR_FUTURE : later,
      reason: expect.toBeOneOf([null, expect.any(String)]),
    });
    expect(after.updatedAt).toEqual(operation === 'expire' ? FAR_FUTURE : later);
    for (let i = before.history.length; i < after.history.length; i++) {
      const from = after.history[i - 1]!.status;
      expect(ORDER_TRANSITIONS[from], `${from} → ${after.history[i]!.status}`).toContain(after.history[i]!.status);
    }
  });

  it('exercises every legal edge of the table through some operation', () => {
    const reached = new Set<string>();
    for (const [operation, status, expected] of cases) {
      if (expected === 'unchanged' || expected.startsWith('throws ')) continue;
      const order = OrderMother.stored(status);
      operations[operation]!(order);
      const history = order.history;
      for (let i = 1; i < history.length; i++) reached.add(`${history[i - 1]!.status}→${history[i]!.status}`);
    }
    const edges = ORDER_STATUSES.flatMap((from) => ORDER_TRANSITIONS[from].map((to) => `${from}→${to}`));
    expect([...reached].sort()).toEqual(expect.arrayContaining(edges));
    expect(edges).toEqual(expect.arrayContaining([...reached]));
  });
});

describe('Order.place: pricing and guards', () => {
  const orderId = newId();
  const userId = newId();
  const couponId = newId();
  const lines = () => [
    OrderLine.of({ sku: 'TEA', name: 'Tea', quantity: 2, unitPrice: 8_800 }),
    OrderLine.of({ sku: 'MUG', name: 'Mug', quantity: 3, unitPrice: 1_999 }),
  ];
  const place = (overrides: Partial<Parameters<typeof Order.place>[0]> = {}) =>
    Order.place({
      orderId,
      userId,
      lines: lines(),
      couponId,
      pointsToUse: 100,
      placedAt: MOTHER_EPOCH,
      reservationTimeoutMs: RESERVATION_TIMEOUT_MS,
      paymentTimeoutMs: PAYMENT_TIMEOUT_MS,
      ...overrides,
    });

  it('prices lines and subtotal from the lines given; waits for the coupon and the points; announces OrderPlaced', () => {
    const order = place();
    expect(order.toSnapshot()).toEqual<OrderSnapshot>({
      orderId,
      userId,
      status: 'PENDING',
      lines: [
        { sku: 'TEA', name: 'Tea', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 },
        { sku: 'MUG', name: 'Mug', quantity: 3, unitPrice: 1_999, lineTotal: 5_997 },
      ],
      subtotal: 23_597,
      couponId,
      couponStep: 'WAITING',
      couponDiscount: 0,
      pointsToUse: 100,
      pointsStep: 'WAITING',
      payable: null,
      cancelReason: null,
      reservationDueAt: new Date(MOTHER_EPOCH.getTime() + RESERVATION_TIMEOUT_MS),
      paymentDueAt: null,
      payments: [],
      history: [{ status: 'PENDING', at: MOTHER_EPOCH, reason: null }],
      placedAt: MOTHER_EPOCH,
      updatedAt: MOTHER_EPOCH,
    });
    expect(order.pullDomainEvents()).toEqual([
      { type: 'OrderPlaced', aggregateId: orderId, occurredAt: MOTHER_EPOCH, userId, lines: order.lines, subtotal: 23_597, couponId, pointsToUse: 100 },
    ]);
  });

  it.each([
    ['a coupon only', { pointsToUse: 0 }, 'WAITING', 'NOT_REQUIRED'],
    ['points only', { couponId: null }, 'NOT_REQUIRED', 'WAITING'],
  ] as const)('with %s waits for that reservation only', (_, overrides, couponStep, pointsStep) => {
    expect(place(overrides).toSnapshot()).toMatchObject({ status: 'PENDING', couponStep, pointsStep });
  });

  it('without coupon and points awaits payment at once: both steps in history, placed then awaiting-payment, payable the subtotal', () => {
    const order = place({ couponId: null, pointsToUse: 0 });
    const paymentDueAt = new Date(MOTHER_EPOCH.getTime() + PAYMENT_TIMEOUT_MS);
    expect(order.toSnapshot()).toMatchObject({
      status: 'AWAITING_PAYMENT',
      couponStep: 'NOT_REQUIRED',
      pointsStep: 'NOT_REQUIRED',
      payable: 23_597,
      reservationDueAt: null,
      paymentDueAt,
      history: [
        { status: 'PENDING', at: MOTHER_EPOCH, reason: null },
        { status: 'AWAITING_PAYMENT', at: MOTHER_EPOCH, reason: null },
      ],
    });
    expect(order.pullDomainEvents()).toEqual([
      expect.objectContaining({ type: 'OrderPlaced' }),
      {
        type: 'OrderAwaitingPayment',
        aggregateId: orderId,
        occurredAt: MOTHER_EPOCH,
        userId,
        subtotal: 23_597,
        couponDiscount: 0,
        pointsUsed: 0,
        payable: 23_597,
        paymentDueAt,
      },
    ]);
  });

  it('takes points up to the whole subtotal, and refuses one point more with POINTS_EXCEED_SUBTOTAL', () => {
    expect(place({ pointsToUse: 23_597 }).pointsToUse).toBe(23_597);
    expect(() => place({ pointsToUse: 23_598 })).toThrow(
      expect.objectContaining({ code: 'POINTS_EXCEED_SUBTOTAL', details: { pointsToUse: 23_598, subtotal: 23_597 } }),
    );
  });

  it('refuses one sku on two lines with DUPLICATE_SKU naming it (not merged)', () => {
    const twice = [...lines(), OrderLine.of({ sku: 'TEA', name: 'Tea', quantity: 1, unitPrice: 8_800 })];
    expect(() => place({ lines: twice })).toThrow(expect.objectContaining({ code: 'DUPLICATE_SKU', details: { skus: ['TEA'], field: 'items' } }));
  });

  it.each([
    ['no lines', { lines: [] }, 'items'],
    ['51 lines', { lines: Array.from({ length: 51 }, (_, i) => OrderLine.of({ sku: `SKU-${i}`, name: 'x', quantity: 1, unitPrice: 1 })) }, 'items'],
    ['negative points', { pointsToUse: -1 }, 'pointsToUse'],
    ['fractional points', { pointsToUse: 1.5 }, 'pointsToUse'],
    ['points beyond 10^12', { pointsToUse: 1e12 + 1 }, 'pointsToUse'],
    ['an order id that is no UUID', { orderId: 'o-1' }, 'orderId'],
    ['a user id that is no UUID', { userId: '' }, 'userId'],
    ['a coupon id that is no UUID', { couponId: 'c-1' }, 'couponId'],
    ['no reservation timeout', { reservationTimeoutMs: 0 }, 'reservationTimeoutMs'],
    ['no payment timeout', { paymentTimeoutMs: -5 }, 'paymentTimeoutMs'],
  ])('refuses %s with INVALID_VALUE', (_, overrides, field) => {
    expect(() => place(overrides as never)).toThrow(expect.objectContaining({ code: 'INVALID_VALUE', details: { field } }));
  });

  it('takes 50 lines of 99 at the highest price, exactly', () => {
    const most = Array.from({ length: 50 }, (_, i) => OrderLine.of({ sku: `SKU-${i}`, name: 'x', quantity: 99, unitPrice: 100_000_000 }));
    expect(place({ lines: most }).subtotal).toBe(50 * 99 * 100_000_000);
  });

  it('keeps ids in one spelling (lower case)', () => {
    const order = place({ orderId: orderId.toUpperCase(), userId: userId.toUpperCase(), couponId: couponId.toUpperCase() });
    expect([order.orderId, order.userId, order.couponId]).toEqual([orderId, userId, couponId]);
  });
});

describe('Order: the saga’s decisions for every reply order', () => {
  const coupon = (o: Order, minutes: number, discount = MOTHER_DISCOUNT) =>
    o.recordCouponReserved({ couponId: o.couponId!, discount, at: at(minutes), paymentTimeoutMs: pt });
  const points = (o: Order, minutes: number) => o.recordPointsReserved({ points: o.pointsToUse, at: at(minutes), paymentTimeoutMs: pt });
  const types = (o: Order) => o.pullDomainEvents().map((e) => e.type);

  it.each([
    ['coupon then points', [coupon, points]],
    ['points then coupon', [points, coupon]],
  ] as const)('%s: awaiting-other, then awaiting-payment with payable = subtotal − discount − points', (_, [first, second]) => {
    const order = OrderMother.placed();
    order.pullDomainEvents();
    expect(first(order, 1)).toBe('awaiting-other');
    expect(order.status).toBe('PENDING');
    expect(second(order, 2)).toBe('awaiting-payment');
    expect(order.toSnapshot()).toMatchObject({
      status: 'AWAITING_PAYMENT',
      couponStep: 'RESERVED',
      couponDiscount: MOTHER_DISCOUNT,
      pointsStep: 'RESERVED',
      payable: MOTHER_SUBTOTAL - MOTHER_DISCOUNT - MOTHER_POINTS,
      paymentDueAt: new Date(at(2).getTime() + PAYMENT_TIMEOUT_MS),
    });
    expect(order.pointsUsed).toBe(MOTHER_POINTS);
    const events = order.pullDomainEvents();
    expect(events.map((e) => e.type)).toEqual(['OrderReplyRecorded', 'OrderAwaitingPayment']);
    expect(events[1]).toEqual({
      type: 'OrderAwaitingPayment',
      aggregateId: order.id,
      occurredAt: at(2),
      userId: order.userId,
      subtotal: MOTHER_SUBTOTAL,
      couponDiscount: MOTHER_DISCOUNT,
      pointsUsed: MOTHER_POINTS,
      payable: MOTHER_PAYABLE,
      paymentDueAt: new Date(at(2).getTime() + PAYMENT_TIMEOUT_MS),
    });
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
  });

  it('awaits payment of 0 when discount and points come to exactly the subtotal', () => {
    const order = OrderMother.placed({ pointsToUse: MOTHER_SUBTOTAL - MOTHER_DISCOUNT });
    coupon(order, 1);
    expect(points(order, 2)).toBe('awaiting-payment');
    expect(order.payable).toBe(0);
  });

  it.each([
    ['coupon last', (o: Order) => [points(o, 1), coupon(o, 2)]],
    ['points last', (o: Order) => [coupon(o, 1), points(o, 2)]],
  ])('cancels with POINTS_EXCEED_PAYABLE when discount and points pass the subtotal (%s): no payable, no point spent', (_, replies) => {
    const order = OrderMother.placed({ pointsToUse: MOTHER_SUBTOTAL - MOTHER_DISCOUNT + 1 });
    order.pullDomainEvents();
    expect(replies(order)).toEqual(['awaiting-other', 'cancelled']);
    expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancelReason: 'POINTS_EXCEED_PAYABLE', payable: null });
    expect(order.history.at(-1)).toEqual({ status: 'CANCELLED', at: at(2), reason: 'POINTS_EXCEED_PAYABLE' });
    expect(order.pullDomainEvents().at(-1)).toEqual({
      type: 'OrderCancelled',
      aggregateId: order.id,
      occurredAt: at(2),
      userId: order.userId,
      couponId: order.couponId,
      pointsToUse: MOTHER_SUBTOTAL - MOTHER_DISCOUNT + 1,
      reason: 'POINTS_EXCEED_PAYABLE',
    });
  });

  it('with a coupon only, decides on the coupon’s reply; with points only, on the points’', () => {
    const couponOnly = OrderMother.placed({ pointsToUse: 0 });
    expect(coupon(couponOnly, 1)).toBe('awaiting-payment');
    expect(couponOnly.payable).toBe(MOTHER_SUBTOTAL - MOTHER_DISCOUNT);
    const pointsOnly = OrderMother.placed({ couponId: null });
    expect(points(pointsOnly, 1)).toBe('awaiting-payment');
    expect(pointsOnly.payable).toBe(MOTHER_SUBTOTAL - MOTHER_POINTS);
  });

  it.each([
    ['first', [] as Array<(o: Order) => unknown>],
    ['second, after the points were reserved', [(o: Order) => points(o, 1)]],
  ])('a coupon rejection (%s) cancels with COUPON_<reason>', (_, before) => {
    for (const reason of ['NOT_FOUND', 'NOT_OWNER', 'NOT_AVAILABLE', 'EXPIRED', 'BELOW_MIN_SPEND', 'ORDER_CANCELLED'] as const) {
      const order = OrderMother.placed();
      for (const step of before) step(order);
      order.pullDomainEvents();
      expect(order.recordCouponRejected({ couponId: order.couponId!, reason, at: at(2) })).toBe('cancelled');
      expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', couponStep: 'REJECTED', cancelReason: `COUPON_${reason}`, payable: null });
      expect(order.pullDomainEvents()).toEqual([expect.objectContaining({ type: 'OrderCancelled', reason: `COUPON_${reason}` })]);
    }
  });

  it.each([
    ['first', [] as Array<(o: Order) => unknown>],
    ['second, after the coupon was reserved', [(o: Order) => coupon(o, 1)]],
  ])('a points rejection (%s) cancels with POINTS_<reason>', (_, before) => {
    for (const reason of ['INSUFFICIENT_POINTS', 'ORDER_CANCELLED'] as const) {
      const order = OrderMother.placed();
      for (const step of before) step(order);
      order.pullDomainEvents();
      expect(order.recordPointsRejected({ reason, at: at(2) })).toBe('cancelled');
      expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', pointsStep: 'REJECTED', cancelReason: `POINTS_${reason}` });
      expect(order.pullDomainEvents()).toEqual([expect.objectContaining({ type: 'OrderCancelled', reason: `POINTS_${reason}` })]);
    }
  });

  it('ignores the other participant’s reply once one rejected (the order is decided), whatever it says', () => {
    const order = OrderMother.placed();
    order.recordPointsRejected({ reason: 'INSUFFICIENT_POINTS', at: at(1) });
    order.pullDomainEvents();
    const decided = order.toSnapshot();
    expect(coupon(order, 2)).toBe('ignored');
    expect(order.recordCouponRejected({ couponId: order.couponId!, reason: 'EXPIRED', at: at(2) })).toBe('ignored');
    expect(order.toSnapshot()).toEqual(decided);
    expect(types(order)).toEqual([]);
  });

  it('ignores duplicated replies: a reservation twice, a rejection twice, a rejection after a reservation of the same step', () => {
    const order = OrderMother.placed();
    expect(coupon(order, 1)).toBe('awaiting-other');
    order.pullDomainEvents();
    const once = order.toSnapshot();
    expect(coupon(order, 2)).toBe('ignored');
    expect(coupon(order, 2, 5)).toBe('ignored');
    expect(order.recordCouponRejected({ couponId: order.couponId!, reason: 'EXPIRED', at: at(2) })).toBe('ignored');
    expect(order.toSnapshot()).toEqual(once);

    expect(points(order, 3)).toBe('awaiting-payment');
    order.pullDomainEvents();
    const decided = order.toSnapshot();
    expect(points(order, 4)).toBe('ignored');
    expect(order.recordPointsRejected({ reason: 'INSUFFICIENT_POINTS', at: at(4) })).toBe('ignored');
    expect(coupon(order, 4)).toBe('ignored');
    expect(order.toSnapshot()).toEqual(decided);
    expect(types(order)).toEqual([]);

    const rejected = OrderMother.placed();
    rejected.recordPointsRejected({ reason: 'INSUFFICIENT_POINTS', at: at(1) });
    expect(rejected.recordPointsRejected({ reason: 'INSUFFICIENT_POINTS', at: at(2) })).toBe('ignored');
    expect(rejected.pullDomainEvents().map((e) => e.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
  });

  it.each([
    ['the customer cancelled', (o: Order) => o.cancelByCustomer(at(1))],
    ['the reservations timed out', (o: Order) => o.expire(at(1))],
  ])('ignores every reply after %s: nothing changes, the participants release on order.cancelled.v1', (_, cancel) => {
    const order = OrderMother.placed();
    cancel(order);
    order.pullDomainEvents();
    const cancelled = order.toSnapshot();
    expect(coupon(order, 2)).toBe('ignored');
    expect(points(order, 2)).toBe('ignored');
    expect(order.recordCouponRejected({ couponId: order.couponId!, reason: 'ORDER_CANCELLED', at: at(2) })).toBe('ignored');
    expect(order.recordPointsRejected({ reason: 'ORDER_CANCELLED', at: at(2) })).toBe('ignored');
    expect(order.toSnapshot()).toEqual(cancelled);
    expect(types(order)).toEqual([]);
  });

  it('ignores a reply naming another coupon (or a coupon on an order without one), and a points reply of other points', () => {
    const order = OrderMother.placed();
    order.pullDomainEvents();
    const placed = order.toSnapshot();
    expect(order.recordCouponReserved({ couponId: newId(), discount: 100, at: at(1), paymentTimeoutMs: pt })).toBe('ignored');
    expect(order.recordCouponRejected({ couponId: newId(), reason: 'NOT_OWNER', at: at(1) })).toBe('ignored');
    expect(order.recordPointsReserved({ points: MOTHER_POINTS + 1, at: at(1), paymentTimeoutMs: pt })).toBe('ignored');
    expect(order.toSnapshot()).toEqual(placed);
    expect(types(order)).toEqual([]);

    const withoutCoupon = OrderMother.placed({ couponId: null });
    expect(withoutCoupon.recordCouponReserved({ couponId: newId(), discount: 100, at: at(1), paymentTimeoutMs: pt })).toBe('ignored');
    const withoutPoints = OrderMother.placed({ pointsToUse: 0 });
    expect(withoutPoints.recordPointsReserved({ points: 0, at: at(1), paymentTimeoutMs: pt })).toBe('ignored');
    expect(withoutPoints.recordPointsRejected({ reason: 'INSUFFICIENT_POINTS', at: at(1) })).toBe('ignored');
  });

  it('matches the coupon in any spelling of its id', () => {
    const order = OrderMother.placed({ pointsToUse: 0 });
    expect(order.recordCouponReserved({ couponId: `urn:uuid:${order.couponId!.toUpperCase()}`, discount: 1, at: at(1), paymentTimeoutMs: pt })).toBe(
      'awaiting-payment',
    );
  });
});

describe('Order: deadlines', () => {
  it('cancels a PENDING order with RESERVATION_TIMEOUT from its reservation deadline on, not before', () => {
    const order = OrderMother.placed();
    const due = order.reservationDueAt!;
    expect(due).toEqual(new Date(MOTHER_EPOCH.getTime() + RESERVATION_TIMEOUT_MS));
    expect(order.expire(new Date(due.getTime() - 1))).toBe('not-due');
    expect(order.status).toBe('PENDING');
    expect(order.expire(due)).toBe('cancelled');
    expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancelReason: 'RESERVATION_TIMEOUT' });
    expect(order.history.at(-1)).toEqual({ status: 'CANCELLED', at: due, reason: 'RESERVATION_TIMEOUT' });
    expect(order.expire(FAR_FUTURE)).toBe('not-due');
    expect(order.pullDomainEvents().map((e) => e.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
  });

  it('cancels an AWAITING_PAYMENT order with PAYMENT_TIMEOUT from its payment deadline on, not before', () => {
    const order = OrderMother.stored('AWAITING_PAYMENT');
    const due = order.paymentDueAt!;
    expect(order.expire(new Date(due.getTime() - 1))).toBe('not-due');
    expect(order.expire(due)).toBe('cancelled');
    expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT', payable: MOTHER_PAYABLE });
    expect(order.pullDomainEvents()).toEqual([
      {
        type: 'OrderCancelled',
        aggregateId: order.id,
        occurredAt: due,
        userId: order.userId,
        couponId: order.couponId,
        pointsToUse: MOTHER_POINTS,
        reason: 'PAYMENT_TIMEOUT',
      },
    ]);
  });

  it('the customer cancels PENDING or AWAITING_PAYMENT with CUSTOMER_CANCELLED', () => {
    for (const status of ['PENDING', 'AWAITING_PAYMENT'] as const) {
      const order = OrderMother.stored(status);
      order.cancelByCustomer(later);
      expect(order.toSnapshot()).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED', updatedAt: later });
      expect(order.pullDomainEvents()).toEqual([expect.objectContaining({ type: 'OrderCancelled', reason: 'CUSTOMER_CANCELLED' })]);
    }
  });
});

describe('Order: payments', () => {
  it('is PAID by a payment of exactly the payable, announcing OrderPaid with the points it used', () => {
    const order = OrderMother.stored('AWAITING_PAYMENT');
    const paymentId = newId();
    expect(order.recordPayment({ paymentId, amount: MOTHER_PAYABLE, at: later })).toBe('paid');
    expect(order.status).toBe('PAID');
    expect(order.capturedPayment).toEqual({
      paymentId,
      amount: MOTHER_PAYABLE,
      captured: true,
      refundStatus: 'NONE',
      refundReason: null,
      recordedAt: later,
      updatedAt: later,
    });
    expect(order.pullDomainEvents()).toEqual([
      {
        type: 'OrderPaid',
        aggregateId: order.id,
        occurredAt: later,
        userId: order.userId,
        couponId: order.couponId,
        pointsToUse: MOTHER_POINTS,
        paymentId,
        amountPaid: MOTHER_PAYABLE,
      },
    ]);
    expect(order.recordPayment({ paymentId: paymentId.toUpperCase(), amount: MOTHER_PAYABLE, at: later })).toBe('duplicate');
    expect(order.payments).toHaveLength(1);
    expect(order.pullDomainEvents()).toEqual([]);
  });

  it('is paid 0 when that is the payable', () => {
    const order = OrderMother.placed({ pointsToUse: MOTHER_SUBTOTAL - MOTHER_DISCOUNT });
    order.recordCouponReserved({ couponId: order.couponId!, discount: MOTHER_DISCOUNT, at: at(1), paymentTimeoutMs: pt });
    order.recordPointsReserved({ points: order.pointsToUse, at: at(1), paymentTimeoutMs: pt });
    expect(order.recordPayment({ paymentId: newId(), amount: 0, at: at(2) })).toBe('paid');
  });

  it.each<[string, OrderStatus, (o: Order) => number, 'LATE_PAYMENT' | 'DUPLICATE_PAYMENT' | 'AMOUNT_MISMATCH']>([
    ['after its cancellation', 'CANCELLED', () => MOTHER_PAYABLE, 'LATE_PAYMENT'],
    ['when paid already by another payment', 'PAID', () => MOTHER_PAYABLE, 'DUPLICATE_PAYMENT'],
    ['when shipped already', 'SHIPPED', () => MOTHER_PAYABLE, 'DUPLICATE_PAYMENT'],
    ['when refunded already', 'REFUNDED', () => MOTHER_PAYABLE, 'DUPLICATE_PAYMENT'],
    ['of another amount than payable', 'AWAITING_PAYMENT', (o) => o.payable! - 1, 'AMOUNT_MISMATCH'],
    ['of more than payable', 'AWAITING_PAYMENT', (o) => o.payable! + 1, 'AMOUNT_MISMATCH'],
  ])('asks a refund of a payment %s (%s), the status unchanged', (_, status, amount, reason) => {
    const order = OrderMother.stored(status);
    const before = order.toSnapshot();
    const paymentId = newId();
    const paid = amount(order);
    expect(order.recordPayment({ paymentId, amount: paid, at: later })).toBe('refund-requested');
    expect(order.status).toBe(status);
    expect(order.history).toEqual(before.history);
    expect(order.capturedPayment).toEqual(before.payments.find((p) => p.captured) ?? null);
    expect(order.paymentOf(paymentId)).toEqual({
      paymentId,
      amount: paid,
      captured: false,
      refundStatus: 'REQUESTED',
      refundReason: reason,
      recordedAt: later,
      updatedAt: later,
    });
    expect(order.pullDomainEvents()).toEqual([
      { type: 'OrderRefundRequested', aggregateId: order.id, occurredAt: later, userId: order.userId, paymentId, amount: paid, reason },
    ]);
    expect(order.recordPayment({ paymentId, amount: paid, at: later })).toBe('duplicate');
    expect(order.pullDomainEvents()).toEqual([]);
  });

  it('after a mismatching payment, still takes one of the payable', () => {
    const order = OrderMother.stored('AWAITING_PAYMENT');
    order.recordPayment({ paymentId: newId(), amount: 1, at: later });
    expect(order.recordPayment({ paymentId: newId(), amount: MOTHER_PAYABLE, at: later })).toBe('paid');
    expect(order.payments.map((p) => [p.captured, p.refundReason])).toEqual([
      [false, 'AMOUNT_MISMATCH'],
      [true, null],
    ]);
  });

  it('throws ORDER_NOT_AWAITING_PAYMENT_YET for a payment while PENDING, recording nothing (retried)', () => {
    const order = OrderMother.stored('PENDING');
    expect(() => order.recordPayment({ paymentId: newId(), amount: 1, at: later })).toThrow(
      expect.objectContaining({ code: 'ORDER_NOT_AWAITING_PAYMENT_YET' }),
    );
    expect(order.payments).toEqual([]);
  });

  it('refuses a payment id that is no UUID, and a negative or fractional amount', () => {
    const order = OrderMother.stored('AWAITING_PAYMENT');
    expect(() => order.recordPayment({ paymentId: 'p-1', amount: 1, at: later })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    expect(() => order.recordPayment({ paymentId: newId(), amount: -1, at: later })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    expect(() => order.recordPayment({ paymentId: newId(), amount: 1.5, at: later })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });
});

describe('Order: refunds', () => {
  it('the customer asks a refund of the captured payment: REFUNDING (CUSTOMER_REQUEST), announced with its amount', () => {
    const order = OrderMother.stored('DELIVERED');
    const captured = order.capturedPayment!;
    order.requestRefund(later);
    expect(order.status).toBe('REFUNDING');
    expect(order.history.at(-1)).toEqual({ status: 'REFUNDING', at: later, reason: 'CUSTOMER_REQUEST' });
    expect(order.capturedPayment).toMatchObject({ refundStatus: 'REQUESTED', refundReason: 'CUSTOMER_REQUEST', updatedAt: later });
    expect(order.pullDomainEvents()).toEqual([
      {
        type: 'OrderRefundRequested',
        aggregateId: order.id,
        occurredAt: later,
        userId: order.userId,
        paymentId: captured.paymentId,
        amount: captured.amount,
        reason: 'CUSTOMER_REQUEST',
      },
    ]);
  });

  it('REFUNDING → REFUNDED when the captured payment is refunded, announcing OrderRefunded; a second refund is a duplicate', () => {
    const order = OrderMother.stored('REFUNDING');
    const { paymentId, amount } = order.capturedPayment!;
    expect(order.recordRefund({ paymentId, amount, at: later })).toBe('refunded');
    expect(order.status).toBe('REFUNDED');
    expect(order.capturedPayment).toMatchObject({ refundStatus: 'REFUNDED', refundReason: 'CUSTOMER_REQUEST' });
    expect(order.pullDomainEvents()).toEqual([
      {
        type: 'OrderRefunded',
        aggregateId: order.id,
        occurredAt: later,
        userId: order.userId,
        couponId: order.couponId,
        pointsToUse: MOTHER_POINTS,
        paymentId,
        amountRefunded: amount,
      },
    ]);
    expect(order.recordRefund({ paymentId, amount, at: later })).toBe('duplicate');
    expect(order.pullDomainEvents()).toEqual([]);
  });

  it('a refund of the captured payment nobody here asked for goes through REFUNDING (PAYMENT_REFUNDED) to REFUNDED, asking nothing', () => {
    const order = OrderMother.stored('SHIPPED');
    const { paymentId, amount } = order.capturedPayment!;
    expect(order.recordRefund({ paymentId, amount, at: later })).toBe('refunded');
    expect(order.history.slice(-2)).toEqual([
      { status: 'REFUNDING', at: later, reason: 'PAYMENT_REFUNDED' },
      { status: 'REFUNDED', at: later, reason: null },
    ]);
    expect(order.capturedPayment).toMatchObject({ refundStatus: 'REFUNDED', refundReason: null });
    expect(order.pullDomainEvents().map((e) => e.type)).toEqual(['OrderRefunded']);
  });

  it('a provider’s refund of a COMPLETED order’s payment goes through REFUNDING (PAYMENT_REFUNDED) to REFUNDED, announced; the customer may not ask one', () => {
    const order = OrderMother.stored('COMPLETED');
    expect(() => order.requestRefund(later)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    const { paymentId, amount } = order.capturedPayment!;
    expect(order.recordRefund({ paymentId, amount, at: later })).toBe('refunded');
    expect(order.status).toBe('REFUNDED');
    expect(order.history.slice(-3)).toEqual([
      { status: 'COMPLETED', at: at(7), reason: null },
      { status: 'REFUNDING', at: later, reason: 'PAYMENT_REFUNDED' },
      { status: 'REFUNDED', at: later, reason: null },
    ]);
    expect(order.pullDomainEvents()).toEqual([
      {
        type: 'OrderRefunded',
        aggregateId: order.id,
        occurredAt: later,
        userId: order.userId,
        couponId: order.couponId,
        pointsToUse: MOTHER_POINTS,
        paymentId,
        amountRefunded: amount,
      },
    ]);
  });

  it.each<[OrderStatus, 'LATE_PAYMENT' | 'DUPLICATE_PAYMENT' | 'AMOUNT_MISMATCH']>([
    ['CANCELLED', 'LATE_PAYMENT'],
    ['PAID', 'DUPLICATE_PAYMENT'],
    ['AWAITING_PAYMENT', 'AMOUNT_MISMATCH'],
  ])('a refused payment’s refund (%s, %s) is marked, the status unchanged, no order.refunded; again: a duplicate', (status, reason) => {
    const order = OrderMother.stored(status);
    const paymentId = newId();
    order.recordPayment({ paymentId, amount: 7, at: at(20) });
    expect(order.paymentOf(paymentId)?.refundReason).toBe(reason);
    order.pullDomainEvents();
    const history = order.history;
    expect(order.recordRefund({ paymentId, amount: 7, at: later })).toBe('stray-refunded');
    expect(order.status).toBe(status);
    expect(order.history).toEqual(history);
    expect(order.paymentOf(paymentId)).toMatchObject({ refundStatus: 'REFUNDED', refundReason: reason, updatedAt: later });
    expect(order.pullDomainEvents()).toEqual([{ type: 'OrderStrayPaymentRefunded', aggregateId: order.id, occurredAt: later, paymentId, amount: 7 }]);
    expect(order.recordRefund({ paymentId, amount: 7, at: later })).toBe('duplicate');
  });

  it.each<[string, OrderStatus, (o: Order) => { paymentId: string; amount: number }]>([
    ['the captured payment of a paid order', 'PAID', (o) => o.capturedPayment!],
    ['the captured payment of a REFUNDING order', 'REFUNDING', (o) => o.capturedPayment!],
    ['the captured payment of a COMPLETED order', 'COMPLETED', (o) => o.capturedPayment!],
    ['the captured payment of a REFUNDED order', 'REFUNDED', (o) => o.capturedPayment!],
    [
      'a late payment',
      'CANCELLED',
      (o) => {
        const paymentId = newId();
        o.recordPayment({ paymentId, amount: 7, at: at(20) });
        return o.paymentOf(paymentId)!;
      },
    ],
  ])('a refund of part (or more) of %s changes nothing: amount-mismatch, no throw, no event', (_, status, paymentOf) => {
    const order = OrderMother.stored(status);
    const { paymentId, amount } = paymentOf(order);
    order.pullDomainEvents();
    const before = order.toSnapshot();
    expect(order.recordRefund({ paymentId, amount: amount - 1, at: later })).toBe('amount-mismatch');
    expect(order.recordRefund({ paymentId, amount: amount + 1, at: later })).toBe('amount-mismatch');
    expect(order.toSnapshot()).toEqual(before);
    expect(order.pullDomainEvents()).toEqual([]);
  });

  it('throws REFUND_BEFORE_PAYMENT for a refund of a payment never recorded (retried until it is)', () => {
    const order = OrderMother.stored('PAID');
    const before = order.toSnapshot();
    expect(() => order.recordRefund({ paymentId: newId(), amount: 1, at: later })).toThrow(expect.objectContaining({ code: 'REFUND_BEFORE_PAYMENT' }));
    expect(order.toSnapshot()).toEqual(before);
  });
});

describe('Order: history and snapshots', () => {
  it('keeps every status change with its time and reason, from placing to refund', () => {
    expect(OrderMother.stored('REFUNDED').history).toEqual([
      { status: 'PENDING', at: at(0), reason: null },
      { status: 'AWAITING_PAYMENT', at: at(2), reason: null },
      { status: 'PAID', at: at(3), reason: null },
      { status: 'REFUNDING', at: at(4), reason: 'CUSTOMER_REQUEST' },
      { status: 'REFUNDED', at: at(5), reason: null },
    ]);
    expect(OrderMother.stored('COMPLETED').history.map((h) => h.status)).toEqual([
      'PENDING',
      'AWAITING_PAYMENT',
      'PAID',
      'ACCEPTED',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
  });

  it('announces fulfilment steps inside the context only', () => {
    const order = OrderMother.stored('PAID');
    order.accept(later);
    order.ship(later);
    order.deliver(later);
    order.confirmReceipt(later);
    expect(order.pullDomainEvents().map((e) => [e.type, 'status' in e ? e.status : null])).toEqual([
      ['OrderFulfilmentAdvanced', 'ACCEPTED'],
      ['OrderFulfilmentAdvanced', 'SHIPPED'],
      ['OrderFulfilmentAdvanced', 'DELIVERED'],
      ['OrderFulfilmentAdvanced', 'COMPLETED'],
    ]);
  });

  it('restores from its snapshot exactly, with no events; the snapshot is a copy', () => {
    for (const status of ORDER_STATUSES) {
      const order = OrderMother.stored(status);
      const snapshot = order.toSnapshot();
      const restored = Order.restore(snapshot);
      expect(restored.toSnapshot()).toEqual(snapshot);
      expect(restored.pullDomainEvents()).toEqual([]);
      (snapshot.history as unknown[]).push('tampered');
      expect(order.history).not.toContain('tampered');
    }
  });
});
