import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import {
  idempotencyHeaders,
  type CouponTemplateResponse,
  type CreateCouponTemplateRequest,
  type MyCouponList,
  type OrderResponse,
  type PaymentView,
  type PlaceOrderRequest,
  type PlaceOrderResponse,
  type PointsBalance,
  type SandboxSimulation,
  type SimulatePaymentRequest,
} from '@shop/client';
import { waitFor } from '@shop/testing';
import { answerOf, expectAnswer, type Answer, type GatewayClient } from './gateway-client.js';

/** A signed-in customer. */
export interface Customer {
  readonly userId: string;
  readonly token: string;
}

/** One of a customer's coupons as `GET /me/coupons` lists it. */
export type MyCoupon = MyCouponList[number];

export type CouponState = Pick<MyCoupon, 'status' | 'orderId'>;

/** The statuses an order passes through on its own (the saga, the payment, a refund): waited through, never settled in. */
const PASSING: ReadonlyArray<OrderResponse['status']> = ['PENDING', 'AWAITING_PAYMENT', 'REFUNDING'];

/**
 * The steps of a purchase as a customer and an admin take them through the gateway, with the typed client a
 * front-end uses (`@shop/client`), and the waits on what the contexts do on their own (the saga, the
 * sandbox's callback, the refund), each bounded by `settleMs`.
 */
export function shopSteps(gateway: GatewayClient, options: { readonly settleMs: number; readonly adminToken: () => string }) {
  const { api } = gateway;
  const { settleMs } = options;
  const until = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitFor(probe, { what, timeoutMs: settleMs });

  const pointsOf = (customer: Customer): Promise<PointsBalance> => expectAnswer(200, api(customer.token).GET('/me/points'));
  const pointsBecome = (customer: Customer, expected: PointsBalance) =>
    until(`points ${JSON.stringify(expected)}`, async () => JSON.stringify(await pointsOf(customer)) === JSON.stringify(expected));

  /**
   * A customer registered now, once its sign-up bonus (`bonus`) and its welcome coupon (of the `welcomeTemplateId`
   * campaign, granted on registration) are in: the customer and that coupon's id.
   */
  const welcomedCustomer = async (name: string, bonus: PointsBalance, welcomeTemplateId: string): Promise<Customer & { welcomeCouponId: string }> => {
    const customer = await gateway.newCustomer(name);
    await pointsBecome(customer, bonus);
    const [granted] = await until('the welcome coupon', async () => {
      const mine = await couponsOf(customer);
      return mine.length > 0 ? mine : undefined;
    });
    expect(granted).toMatchObject({ templateId: welcomeTemplateId, status: 'AVAILABLE', orderId: null });
    return { ...customer, welcomeCouponId: granted!.couponId };
  };

  /** A new campaign of the admin's (10 yuan off from `minSpend` unless said otherwise). */
  const campaign = (changes: Partial<CreateCouponTemplateRequest> = {}): Promise<CouponTemplateResponse> =>
    expectAnswer(
      201,
      api(options.adminToken()).POST('/admin/coupon-templates', {
        body: {
          name: `Campaign ${randomUUID().slice(0, 8)}`,
          discount: { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 },
          totalStock: 100,
          validity: { validDays: 7 },
          ...changes,
        },
      }),
    );
  const claim = async (customer: Customer, templateId: string): Promise<string> =>
    (await expectAnswer(201, api(customer.token).POST('/coupon-templates/{templateId}/claim', { params: { path: { templateId } } }))).couponId;
  const couponsOf = (customer: Customer): Promise<MyCoupon[]> => expectAnswer(200, api(customer.token).GET('/me/coupons'));
  const couponOf = async (customer: Customer, couponId: string): Promise<CouponState> => {
    const coupon = (await couponsOf(customer)).find((candidate) => candidate.couponId === couponId);
    if (!coupon) throw new Error(`coupon ${couponId} is not the customer’s`);
    return { status: coupon.status, orderId: coupon.orderId };
  };
  const couponBecomes = (customer: Customer, couponId: string, expected: CouponState) =>
    until(`coupon ${expected.status}`, async () => JSON.stringify(await couponOf(customer, couponId)) === JSON.stringify(expected));

  /** `POST /orders` with an Idempotency-Key of its own, as a front-end sends it. */
  const place = (customer: Customer, body: PlaceOrderRequest): Promise<PlaceOrderResponse> =>
    expectAnswer(202, api(customer.token).POST('/orders', { body, headers: idempotencyHeaders() }));
  const orderOf = (customer: Customer, orderId: string): Promise<Answer<OrderResponse & { readonly code?: string }>> =>
    answerOf(api(customer.token).GET('/orders/{orderId}', { params: { path: { orderId } } }));
  /** Waits until the order is `status`, failing at once when it settles in another one. */
  const orderBecomes = (customer: Customer, orderId: string, status: OrderResponse['status']): Promise<OrderResponse> =>
    until(`the order ${status}`, async () => {
      const order = (await orderOf(customer, orderId)).body;
      if (order.status !== status && !PASSING.includes(order.status)) throw new Error(`the order is ${order.status} (${order.cancelReason ?? ''})`);
      return order.status === status ? order : undefined;
    });

  /** `POST /payments` for the order, with an Idempotency-Key of its own: the answer as it comes. */
  const startPayment = (customer: Customer, orderId: string, key = randomUUID()): Promise<Answer<PaymentView & { readonly code?: string }>> =>
    answerOf(api(customer.token).POST('/payments', { body: { orderId }, headers: idempotencyHeaders(key) }));
  /**
   * A payment started for an order that just became AWAITING_PAYMENT: the payment context learns of the
   * order from its event, so until then it answers 404 ORDER_NOT_FOUND (only that is waited through).
   */
  const paymentFor = async (customer: Customer, orderId: string): Promise<PaymentView> => {
    const started = await until('the payment context to know the order', async () => {
      const answer = await startPayment(customer, orderId);
      if (answer.status === 404 && answer.body.code === 'ORDER_NOT_FOUND') return undefined;
      return answer;
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ orderId, status: 'PENDING', currency: 'CNY', settledAt: null, failureReason: null, refund: null });
    return started.body;
  };
  const simulate = (customer: Customer, paymentId: string, body: SimulatePaymentRequest): Promise<Answer<SandboxSimulation & { readonly code?: string }>> =>
    answerOf(api(customer.token).POST('/payments/{paymentId}/simulate', { params: { path: { paymentId } }, body }));
  const paymentOf = (customer: Customer, paymentId: string): Promise<Answer<PaymentView & { readonly code?: string }>> =>
    answerOf(api(customer.token).GET('/payments/{paymentId}', { params: { path: { paymentId } } }));
  const paymentBecomes = (customer: Customer, paymentId: string, status: PaymentView['status']): Promise<PaymentView> =>
    until(`the payment ${status}`, async () => {
      const payment = (await paymentOf(customer, paymentId)).body;
      return payment.status === status ? payment : undefined;
    });
  /** Pays the order as a customer does in the sandbox: a payment, its simulated success, the order PAID. */
  const pay = async (customer: Customer, orderId: string): Promise<{ payment: PaymentView; order: OrderResponse }> => {
    const payment = await paymentFor(customer, orderId);
    const simulated = await simulate(customer, payment.paymentId, { outcome: 'success' });
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(202);
    const order = await orderBecomes(customer, orderId, 'PAID');
    expect(order).toMatchObject({ paymentId: payment.paymentId, amountPaid: payment.amount });
    return { payment: await paymentBecomes(customer, payment.paymentId, 'SUCCEEDED'), order };
  };

  return {
    pointsOf,
    pointsBecome,
    campaign,
    claim,
    couponsOf,
    couponOf,
    couponBecomes,
    welcomedCustomer,
    place,
    orderOf,
    orderBecomes,
    startPayment,
    paymentFor,
    simulate,
    paymentOf,
    paymentBecomes,
    pay,
  };
}
