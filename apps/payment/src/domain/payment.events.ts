import type { DomainEvent } from '@shop/shared-kernel';
import type { PaymentFailureReason } from './payment-status.js';

// Payment (its aggregateId is the payment id)

/** The provider took the money (or there was none to take): announced as `payment.succeeded.v1`, the order becomes PAID. */
export interface PaymentSucceeded extends DomainEvent {
  readonly type: 'PaymentSucceeded';
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
}

/** The payment attempt failed, nothing was taken: announced as `payment.failed.v1`; the order may be paid by another attempt. */
export interface PaymentFailed extends DomainEvent {
  readonly type: 'PaymentFailed';
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
  readonly reason: PaymentFailureReason;
}

/** The provider gave the money back: announced as `payment.refunded.v1`, the order becomes REFUNDED. */
export interface PaymentRefunded extends DomainEvent {
  readonly type: 'PaymentRefunded';
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
}

/** Every domain event of the payment context: what `paymentIntegrationEvents` maps. */
export type PaymentEvent = PaymentSucceeded | PaymentFailed | PaymentRefunded;
