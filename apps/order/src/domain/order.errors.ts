import { DomainError } from '@shop/shared-kernel';
import type { OrderStatus } from './order-status.js';

/** An order was asked for a move its lifecycle does not allow (cancel a paid order, ship an unpaid one …). */
export class InvalidOrderStateError extends DomainError {
  constructor(orderId: string, from: OrderStatus, to: OrderStatus) {
    super('INVALID_STATE', `order ${orderId} cannot move from ${from} to ${to}`, { orderId, from, to });
  }
}

/** No such order, or not the caller's: another customer's order is not found either (no leak of its existence). */
export class OrderNotFoundError extends DomainError {
  constructor(orderId: string) {
    super('ORDER_NOT_FOUND', `order ${orderId} was not found`, { orderId });
  }
}

export class ProductNotFoundError extends DomainError {
  constructor(sku: string) {
    super('PRODUCT_NOT_FOUND', `no product has the sku ${sku}`, { sku });
  }
}

export class SkuTakenError extends DomainError {
  constructor(sku: string) {
    super('SKU_TAKEN', `a product with the sku ${sku} exists already`, { sku });
  }
}

/**
 * Items name skus the catalog does not sell (unknown or inactive): all of them are named, nothing is
 * stored. `items` is the field at fault, so a problem answer lists it under `errors` with the skus.
 */
export class UnknownSkuError extends DomainError {
  constructor(readonly skus: readonly string[]) {
    super('UNKNOWN_SKU', `not in the catalog (or not sold any more): ${skus.join(', ')}`, { skus, field: 'items' });
  }
}

/**
 * One sku on two lines of an order. Refused rather than merged: merging could silently pass the
 * 99-per-line cap, and it hides a client's bug. `items` is the field at fault, as for UNKNOWN_SKU.
 */
export class DuplicateSkuError extends DomainError {
  constructor(readonly skus: readonly string[]) {
    super('DUPLICATE_SKU', `each sku may appear on one line only; repeated: ${skus.join(', ')}`, { skus, field: 'items' });
  }
}

/** An order asked to use more points than its subtotal: refused at placing (a point is worth a fen). */
export class PointsExceedSubtotalError extends DomainError {
  constructor(pointsToUse: number, subtotal: number) {
    super('POINTS_EXCEED_SUBTOTAL', `pointsToUse ${pointsToUse} exceeds the subtotal ${subtotal}`, { pointsToUse, subtotal });
  }
}

/**
 * A payment arrived for an order still waiting for its reservations. Not an answer: the consumer lets it
 * throw so the delivery is retried once the saga has decided (paid, or refunded as LATE_PAYMENT).
 */
export class OrderNotAwaitingPaymentYetError extends DomainError {
  constructor(orderId: string, paymentId: string) {
    super('ORDER_NOT_AWAITING_PAYMENT_YET', `payment ${paymentId} of order ${orderId} arrived while the order still waits for its reservations; retry later`, {
      orderId,
      paymentId,
    });
  }
}

/** A refund arrived for a payment the order has not recorded yet: retried until the payment has been handled. */
export class RefundBeforePaymentError extends DomainError {
  constructor(orderId: string, paymentId: string) {
    super('REFUND_BEFORE_PAYMENT', `refund of payment ${paymentId} of order ${orderId} arrived before the payment was recorded; retry later`, {
      orderId,
      paymentId,
    });
  }
}
