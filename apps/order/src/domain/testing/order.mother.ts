import { newId } from '@shop/shared-kernel';
import { OrderLine } from '../order-line.js';
import { Order, type PlaceOrder } from '../order.js';
import type { OrderStatus } from '../order-status.js';
import { Product, type ProductSnapshot } from '../product.js';

export const MOTHER_EPOCH = new Date('2026-01-01T00:00:00.000Z');
export const RESERVATION_TIMEOUT_MS = 30_000;
export const PAYMENT_TIMEOUT_MS = 15 * 60_000;
const MINUTE = 60_000;

/** 2 × 8 800 + 1 × 3 900 = 21 500 fen. */
export const motherLines = (): OrderLine[] => [
  OrderLine.of({ sku: 'TEA-LONGJING-100G', name: 'Longjing tea, 100 g', quantity: 2, unitPrice: 8_800 }),
  OrderLine.of({ sku: 'MUG-CERAMIC', name: 'Ceramic mug', quantity: 1, unitPrice: 3_900 }),
];
export const MOTHER_SUBTOTAL = 21_500;
export const MOTHER_DISCOUNT = 1_000;
export const MOTHER_POINTS = 500;
/** What the mother's order with its coupon and points reserved pays. */
export const MOTHER_PAYABLE = MOTHER_SUBTOTAL - MOTHER_DISCOUNT - MOTHER_POINTS;

const at = (minutes: number) => new Date(MOTHER_EPOCH.getTime() + minutes * MINUTE);

/** The one place that knows how to make valid orders; tests say only what matters to them. */
export const OrderMother = {
  /** A freshly placed order (its events pending): with a coupon and 500 points unless told otherwise. */
  placed(overrides: Partial<PlaceOrder> = {}): Order {
    return Order.place({
      orderId: newId(),
      userId: newId(),
      lines: motherLines(),
      couponId: newId(),
      pointsToUse: MOTHER_POINTS,
      placedAt: MOTHER_EPOCH,
      reservationTimeoutMs: RESERVATION_TIMEOUT_MS,
      paymentTimeoutMs: PAYMENT_TIMEOUT_MS,
      ...overrides,
    });
  },

  /**
   * A stored order (no pending events) in `status`, walked there by the aggregate's own moves a minute
   * apart: placed with a coupon (1 000 off) and 500 points, both reserved, paid MOTHER_PAYABLE by one
   * payment, fulfilled, refunded; CANCELLED by its customer while PENDING.
   */
  stored(status: OrderStatus = 'PENDING', overrides: Partial<PlaceOrder> = {}): Order {
    const order = OrderMother.placed(overrides);
    const paymentId = newId();
    const walk: Record<OrderStatus, Array<(o: Order) => unknown>> = {
      PENDING: [],
      CANCELLED: [(o) => o.cancelByCustomer(at(1))],
      AWAITING_PAYMENT: reserved(),
      PAID: [...reserved(), pay(paymentId)],
      ACCEPTED: [...reserved(), pay(paymentId), (o) => o.accept(at(4))],
      SHIPPED: [...reserved(), pay(paymentId), (o) => o.accept(at(4)), (o) => o.ship(at(5))],
      DELIVERED: [...reserved(), pay(paymentId), (o) => o.accept(at(4)), (o) => o.ship(at(5)), (o) => o.deliver(at(6))],
      COMPLETED: [...reserved(), pay(paymentId), (o) => o.accept(at(4)), (o) => o.ship(at(5)), (o) => o.deliver(at(6)), (o) => o.confirmReceipt(at(7))],
      REFUNDING: [...reserved(), pay(paymentId), (o) => o.requestRefund(at(4))],
      REFUNDED: [
        ...reserved(),
        pay(paymentId),
        (o) => o.requestRefund(at(4)),
        (o) => o.recordRefund({ paymentId, amount: o.capturedPayment!.amount, at: at(5) }),
      ],
    };
    for (const step of walk[status]) step(order);
    if (order.status !== status) throw new Error(`the mother walked to ${order.status}, not ${status}`);
    return Order.restore(order.toSnapshot());
  },
};

function reserved(): Array<(o: Order) => unknown> {
  return [
    (o) =>
      o.couponId === null ? null : o.recordCouponReserved({ couponId: o.couponId, discount: MOTHER_DISCOUNT, at: at(1), paymentTimeoutMs: PAYMENT_TIMEOUT_MS }),
    (o) => (o.pointsToUse === 0 ? null : o.recordPointsReserved({ points: o.pointsToUse, at: at(2), paymentTimeoutMs: PAYMENT_TIMEOUT_MS })),
  ];
}

function pay(paymentId: string): (o: Order) => unknown {
  return (o) => o.recordPayment({ paymentId, amount: o.payable!, at: at(3) });
}

export const ProductMother = {
  /** A stored, active product (no pending events). */
  stored(overrides: Partial<ProductSnapshot> = {}): Product {
    return Product.restore({
      productId: newId(),
      sku: 'MUG-CERAMIC',
      name: 'Ceramic mug',
      price: 3_900,
      active: true,
      createdAt: MOTHER_EPOCH,
      updatedAt: MOTHER_EPOCH,
      ...overrides,
    });
  },
};
