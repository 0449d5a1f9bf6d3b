import type { DomainEvent } from '@shop/shared-kernel';
import type { OrderLineSnapshot } from './order-line.js';
import type { OrderCancelReason, OrderStatus, RefundReason } from './order-status.js';
import type { ProductSnapshot } from './product.js';

// Order (its aggregateId is the order id)

/** The order was placed (PENDING): announced as `order.placed.v1`, the saga's participants try their part. */
export interface OrderPlaced extends DomainEvent {
  readonly type: 'OrderPlaced';
  readonly userId: string;
  readonly lines: readonly OrderLineSnapshot[];
  readonly subtotal: number;
  readonly couponId: string | null;
  readonly pointsToUse: number;
}

/** Every reservation is in (or none was needed): announced as `order.awaiting-payment.v1` with what to pay. */
export interface OrderAwaitingPayment extends DomainEvent {
  readonly type: 'OrderAwaitingPayment';
  readonly userId: string;
  readonly subtotal: number;
  readonly couponDiscount: number;
  readonly pointsUsed: number;
  readonly payable: number;
  readonly paymentDueAt: Date;
}

/** The order was cancelled: announced as `order.cancelled.v1`, so every participant releases what it holds. */
export interface OrderCancelled extends DomainEvent {
  readonly type: 'OrderCancelled';
  readonly userId: string;
  readonly couponId: string | null;
  readonly pointsToUse: number;
  readonly reason: OrderCancelReason;
}

/** The payment of the order was captured: announced as `order.paid.v1`, participants confirm. */
export interface OrderPaid extends DomainEvent {
  readonly type: 'OrderPaid';
  readonly userId: string;
  readonly couponId: string | null;
  readonly pointsToUse: number;
  readonly paymentId: string;
  readonly amountPaid: number;
}

/** The order asks the payment context to refund a payment: announced as `order.refund-requested.v1`. */
export interface OrderRefundRequested extends DomainEvent {
  readonly type: 'OrderRefundRequested';
  readonly userId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly reason: RefundReason;
}

/** The order's captured payment was refunded (REFUNDED): announced as `order.refunded.v1`, participants give back. */
export interface OrderRefunded extends DomainEvent {
  readonly type: 'OrderRefunded';
  readonly userId: string;
  readonly couponId: string | null;
  readonly pointsToUse: number;
  readonly paymentId: string;
  readonly amountRefunded: number;
}

/** An admin or the customer moved a paid order along: ACCEPTED, SHIPPED, DELIVERED, COMPLETED. Stays inside. */
export interface OrderFulfilmentAdvanced extends DomainEvent {
  readonly type: 'OrderFulfilmentAdvanced';
  readonly status: OrderStatus;
}

/** One reservation is in while the other is still awaited. Stays inside. */
export interface OrderReplyRecorded extends DomainEvent {
  readonly type: 'OrderReplyRecorded';
  readonly step: 'coupon' | 'points';
}

/** A payment the order did not keep (late, duplicate, wrong amount) was refunded as asked. Stays inside. */
export interface OrderStrayPaymentRefunded extends DomainEvent {
  readonly type: 'OrderStrayPaymentRefunded';
  readonly paymentId: string;
  readonly amount: number;
}

export type OrderEvent =
  | OrderPlaced
  | OrderAwaitingPayment
  | OrderCancelled
  | OrderPaid
  | OrderRefundRequested
  | OrderRefunded
  | OrderFulfilmentAdvanced
  | OrderReplyRecorded
  | OrderStrayPaymentRefunded;

// Product (its aggregateId is the product id)

export interface ProductCreated extends DomainEvent {
  readonly type: 'ProductCreated';
  readonly product: ProductSnapshot;
}

export interface ProductUpdated extends DomainEvent {
  readonly type: 'ProductUpdated';
  readonly product: ProductSnapshot;
}

export type ProductEvent = ProductCreated | ProductUpdated;

/** Every domain event of the order context: what `orderIntegrationEvents` maps. */
export type OrderContextEvent = OrderEvent | ProductEvent;
