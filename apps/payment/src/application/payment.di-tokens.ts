/**
 * DI tokens of the payment context's ports. UNIT_OF_WORK and EVENT_OUTBOX come from
 * @shop/shared-kernel, the same for every context.
 */
export const PAYMENT_REPOSITORY = Symbol.for('shop.payment.PaymentRepository');
export const PAYABLE_ORDER_REPOSITORY = Symbol.for('shop.payment.PayableOrderRepository');
export const PAYMENT_QUERIES = Symbol.for('shop.payment.PaymentQueries');
/** The provider that takes payments (`PaymentProvider`): the sandbox, or a real provider's adapter. */
export const PAYMENT_PROVIDER = Symbol.for('shop.payment.PaymentProvider');
/** The sandbox provider's settlement by hand (`SandboxControl`); bound only when the sandbox runs. */
export const SANDBOX_CONTROL = Symbol.for('shop.payment.SandboxControl');
export const PAYMENT_CLOCK = Symbol.for('shop.payment.Clock');
/** The configured rules the use cases apply (`PaymentRules`). */
export const PAYMENT_RULES = Symbol.for('shop.payment.PaymentRules');

/** The rules that come from configuration rather than code. */
export interface PaymentRules {
  /** The secret the provider signs its callbacks with (`PAYMENT_WEBHOOK_SECRET`); never logged. */
  readonly webhookSecret: string;
  /** How far a callback's signed timestamp may be from now, either way (`PAYMENT_WEBHOOK_TOLERANCE`). */
  readonly webhookToleranceMs: number;
  /** A payment PENDING for longer than this is asked about at the provider (`PAYMENT_RECONCILE_AFTER`). */
  readonly reconcileAfterMs: number;
  /** A payment still PENDING after this long is cancelled at the provider (`PAYMENT_PENDING_TIMEOUT`). */
  readonly pendingTimeoutMs: number;
  /** The longest wait between two tries of a refund (`PAYMENT_REFUND_BACKOFF_MAX`). */
  readonly refundBackoffMaxMs: number;
  /**
   * How long a use case waits for one answer of the provider (`PAYMENT_PROVIDER_TIMEOUT`, below the
   * gateway's service timeout): a create not answered in time is a FAILED payment (PROVIDER_ERROR), a query,
   * cancel or refund a transient failure. Each call gets `AbortSignal.timeout(providerTimeoutMs)`.
   */
  readonly providerTimeoutMs: number;
  /**
   * How long POST /payments waits for an order it has not heard of yet before it answers ORDER_NOT_FOUND
   * (`PAYMENT_ORDER_ARRIVAL_WAIT`; 0: not at all): the order service answers the order AWAITING_PAYMENT a
   * moment before its `order.awaiting-payment.v1` reaches this service.
   */
  readonly orderArrivalWaitMs: number;
  /** Whether the sandbox provider runs (`PAYMENT_SANDBOX`): the simulate route answers SANDBOX_DISABLED otherwise. */
  readonly sandbox: boolean;
}
