import { describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { PayableOrder } from './payable-order.js';
import { at, MOTHER_AMOUNT, MOTHER_EPOCH, PaymentMother } from './testing/payment.mother.js';

const codeOf = (work: () => unknown): string => {
  try {
    work();
    return 'no error';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};

describe('PayableOrder', () => {
  it('awaits payment of its payable until its deadline, payable by its customer only', () => {
    const userId = newId();
    const order = PaymentMother.awaitingOrder({ userId });
    expect(order.toSnapshot()).toMatchObject({ userId, payable: MOTHER_AMOUNT, paymentDueAt: at(15), state: 'AWAITING_PAYMENT', updatedAt: MOTHER_EPOCH });
    expect(order.final).toBe(false);
    expect(codeOf(() => order.assertPayableBy(userId, at(14)))).toBe('no error');
    // Ids compare in their one spelling.
    expect(codeOf(() => order.assertPayableBy(userId.toUpperCase(), at(14)))).toBe('no error');
  });

  it("is another customer's order not found (no leak of its existence), even once closed", () => {
    const order = PaymentMother.awaitingOrder();
    expect(codeOf(() => order.assertPayableBy(newId(), at(1)))).toBe('ORDER_NOT_FOUND');
    order.markCancelled(at(2));
    expect(codeOf(() => order.assertPayableBy(newId(), at(3)))).toBe('ORDER_NOT_FOUND');
  });

  it('is NOT_PAYABLE from its deadline on (the deadline itself included)', () => {
    const order = PaymentMother.awaitingOrder({ paymentDueAt: at(15) });
    expect(codeOf(() => order.assertPayableBy(order.userId, new Date(at(15).getTime() - 1)))).toBe('no error');
    expect(codeOf(() => order.assertPayableBy(order.userId, at(15)))).toBe('NOT_PAYABLE');
    expect(codeOf(() => order.assertPayableBy(order.userId, at(60)))).toBe('NOT_PAYABLE');
  });

  it.each(['markCancelled', 'markPaid'] as const)('%s closes it for good: NOT_PAYABLE, and neither close changes it afterwards', (close) => {
    const order = PaymentMother.awaitingOrder();
    expect(order[close](at(1))).toBe('closed');
    const closed = order.toSnapshot();
    expect(closed.state).toBe(close === 'markCancelled' ? 'CANCELLED' : 'PAID');
    expect(closed.updatedAt).toEqual(at(1));
    expect(order.final).toBe(true);
    expect(codeOf(() => order.assertPayableBy(order.userId, at(2)))).toBe('NOT_PAYABLE');
    expect(order.markCancelled(at(3))).toBe('unchanged');
    expect(order.markPaid(at(3))).toBe('unchanged');
    expect(order.toSnapshot()).toEqual(closed);
  });

  it('a cancellation before the awaiting was seen leaves a CANCELLED tombstone: never payable', () => {
    const orderId = newId();
    const userId = newId();
    const tombstone = PayableOrder.closedBeforeSeen(orderId.toUpperCase(), userId, 'CANCELLED', at(1));
    expect(tombstone.toSnapshot()).toEqual({ orderId, userId, payable: 0, paymentDueAt: null, state: 'CANCELLED', updatedAt: at(1) });
    expect(tombstone.final).toBe(true);
    expect(codeOf(() => tombstone.assertPayableBy(userId, at(2)))).toBe('NOT_PAYABLE');
    expect(PayableOrder.closedBeforeSeen(orderId, userId, 'PAID', at(1)).state).toBe('PAID');
  });

  it.each([
    ['a negative payable', { payable: -1 }, 'INVALID_VALUE'],
    ['a fractional payable', { payable: 0.5 }, 'INVALID_VALUE'],
    ['a payable over a trillion fen', { payable: 1_000_000_000_001 }, 'INVALID_VALUE'],
    ['an invalid deadline', { paymentDueAt: new Date('nope') }, 'INVALID_VALUE'],
    ['an order id that is no UUID', { orderId: 'o-1' }, 'INVALID_VALUE'],
    ['a user id that is no UUID', { userId: 'u-1' }, 'INVALID_VALUE'],
  ])('refuses %s', (_, overrides, code) => {
    expect(codeOf(() => PaymentMother.awaitingOrder(overrides))).toBe(code);
  });

  it('takes a payable of 0 (a coupon and points covered it)', () => {
    expect(PaymentMother.awaitingOrder({ payable: 0 }).payable).toBe(0);
  });

  it('restores exactly what it was saved as', () => {
    const snapshot = PaymentMother.awaitingOrder().toSnapshot();
    expect(PayableOrder.restore(snapshot).toSnapshot()).toEqual(snapshot);
  });
});
