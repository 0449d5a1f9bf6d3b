import type { OrderResponse, ProductResponse } from '@shop/contracts';
import { pointsUsedOf, type OrderSnapshot } from '../domain/order.js';
import type { ProductSnapshot } from '../domain/product.js';

/** An order as its customer (and the admin) see it: the HTTP contract's `OrderResponse`. */
export type OrderView = OrderResponse;
/** A product as the catalog lists it: the HTTP contract's `ProductResponse`. */
export type ProductView = ProductResponse;

export function orderViewOf(order: OrderSnapshot): OrderView {
  const captured = order.payments.find((payment) => payment.captured) ?? null;
  return {
    orderId: order.orderId,
    userId: order.userId,
    status: order.status,
    items: order.lines.map(({ sku, name, quantity, unitPrice, lineTotal }) => ({ sku, name, quantity, unitPrice, lineTotal })),
    subtotal: order.subtotal,
    couponId: order.couponId,
    couponDiscount: order.couponDiscount,
    pointsToUse: order.pointsToUse,
    // As reserved, by the domain's rule: the points once frozen, as the discount once the coupon is locked
    // (on an order cancelled after, both were released again; the status says so).
    pointsUsed: pointsUsedOf(order),
    payable: order.payable,
    cancelReason: order.cancelReason,
    paymentId: captured?.paymentId ?? null,
    amountPaid: captured?.amount ?? null,
    paymentDueAt: order.paymentDueAt?.toISOString() ?? null,
    placedAt: order.placedAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    history: order.history.map(({ status, at, reason }) => ({ status, at: at.toISOString(), reason })),
  };
}

export function productViewOf(product: ProductSnapshot): ProductView {
  return {
    productId: product.productId,
    sku: product.sku,
    name: product.name,
    price: product.price,
    active: product.active,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}
