/** One order a customer places: its lines, and the coupon and points it asks for. */
export interface OrderPlan {
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>;
  readonly couponId?: string;
  readonly pointsToUse?: number;
}

/** A signed-in customer and the orders it places one after the other, each through to PAID. */
export interface Customer {
  readonly userId: string;
  readonly accessToken: string;
  readonly orders: readonly OrderPlan[];
}

/** One run of the saga, sent by the bench to the load client: every customer at once. */
export interface SagaJob {
  readonly name: string;
  /** The gateway's origin, e.g. `http://127.0.0.1:3000`; the client calls `/api/v1/...` on it. */
  readonly origin: string;
  readonly customers: readonly Customer[];
  /** Pause between two `GET /orders/{id}` of one order while it waits for a status. */
  readonly pollMs: number;
  /** How long one order may wait for a status (or `POST /payments` may keep answering 404) before it counts as failed. */
  readonly stepTimeoutMs: number;
}

/** What the client saw of one order, each instant in epoch ms (the services' clock: same machine). */
export interface OrderTrace {
  readonly userId: string;
  readonly orderId: string;
  readonly plan: OrderPlan;
  /** `POST /orders` sent. */
  readonly sentAt: number;
  /** Its 202 received. */
  readonly placedAt: number;
  /** The poll that first saw AWAITING_PAYMENT answered. */
  readonly awaitingSeenAt: number;
  /** `POST /payments` answered 201 with a PENDING payment (after any 404 while the payment service's projection lagged, or FAILED attempt). */
  readonly paymentCreatedAt: number;
  /** `POST /payments/{id}/simulate` answered 202. */
  readonly simulatedAt: number;
  /** The poll that first saw PAID answered: the order's latency is `paidSeenAt − sentAt`. */
  readonly paidSeenAt: number;
  readonly paymentId: string;
  /** What the order says it took: the payment's amount, the coupon's discount, the points used. */
  readonly payable: number;
  readonly couponDiscount: number;
  readonly pointsUsed: number;
  readonly polls: number;
  /** `POST /payments` answered 404 ORDER_NOT_FOUND before the payment service had heard of the order. */
  readonly paymentNotFound: number;
  /** `POST /payments` answered 201 with the attempt FAILED (the provider failed or was too slow), and the client tried again. */
  readonly paymentsFailed: number;
}

export interface SagaRun {
  /** From the first `POST /orders` sent to the last PAID seen, in ms. */
  readonly elapsedMs: number;
  readonly orders: readonly OrderTrace[];
  /** Orders that went wrong (an unexpected answer, a cancellation, a step timed out), each once; their customer stopped there. */
  readonly failures: ReadonlyArray<{ readonly userId: string; readonly orderId?: string; readonly error: string }>;
  /** Requests sent by the client, by kind. */
  readonly requests: Readonly<Record<string, number>>;
}
