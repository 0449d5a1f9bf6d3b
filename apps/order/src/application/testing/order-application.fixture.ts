import { ManualClock, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { InMemoryEventOutbox, InMemoryUnitOfWork } from '@shop/testing';
import { Product } from '../../domain/product.js';
import { AdvanceFulfilmentHandler } from '../commands/advance-fulfilment/advance-fulfilment.handler.js';
import { CancelOrderHandler } from '../commands/cancel-order/cancel-order.handler.js';
import { ConfirmReceiptHandler } from '../commands/confirm-receipt/confirm-receipt.handler.js';
import { CreateProductHandler } from '../commands/create-product/create-product.handler.js';
import { ExpireOverdueOrdersHandler } from '../commands/expire-overdue-orders/expire-overdue-orders.handler.js';
import { PlaceOrderHandler } from '../commands/place-order/place-order.handler.js';
import { RecordCouponReplyHandler } from '../commands/record-coupon-reply/record-coupon-reply.handler.js';
import { RecordPaymentHandler } from '../commands/record-payment/record-payment.handler.js';
import { RecordPointsReplyHandler } from '../commands/record-points-reply/record-points-reply.handler.js';
import { RecordRefundHandler } from '../commands/record-refund/record-refund.handler.js';
import { RequestRefundHandler } from '../commands/request-refund/request-refund.handler.js';
import { SeedDemoCatalogHandler } from '../commands/seed-demo-catalog/seed-demo-catalog.handler.js';
import { UpdateProductHandler } from '../commands/update-product/update-product.handler.js';
import type { OrderRules } from '../order.di-tokens.js';
import type { CatalogSeed } from '../ports/catalog-seed.js';
import type { CatalogQueries } from '../ports/catalog.queries.js';
import type { OrderQueries } from '../ports/order.queries.js';
import type { OrderRepository } from '../ports/order.repository.js';
import type { ProductRepository } from '../ports/product.repository.js';
import { GetOrderHandler } from '../queries/get-order/get-order.handler.js';
import { ListMyOrdersHandler } from '../queries/list-my-orders/list-my-orders.handler.js';
import { ListProductsHandler } from '../queries/list-products/list-products.handler.js';
import { InMemoryCatalogSeed } from './in-memory-catalog-seed.js';
import { InMemoryCatalogQueries } from './in-memory-catalog.queries.js';
import { InMemoryOrderQueries } from './in-memory-order.queries.js';
import { InMemoryOrderRepository } from './in-memory-order.repository.js';
import { InMemoryProductRepository } from './in-memory-product.repository.js';

export const FIXTURE_NOW = new Date('2026-02-01T08:00:00.000Z');
/** The service's defaults: 30 s for the reservations, 15 min for the payment. */
export const FIXTURE_RULES: OrderRules = { reservationTimeoutMs: 30_000, paymentTimeoutMs: 15 * 60_000 };

/** The ports every use case of the order context needs, as the module wires them to the real adapters. */
export interface OrderPorts {
  readonly unitOfWork: UnitOfWork;
  readonly orders: OrderRepository;
  readonly products: ProductRepository;
  readonly orderQueries: OrderQueries;
  readonly catalogQueries: CatalogQueries;
  readonly catalogSeed: CatalogSeed;
  readonly clock: Clock;
  readonly rules: OrderRules;
}

/** Every use case of the order context over the given ports. */
export function orderHandlersOf(ports: OrderPorts) {
  const { unitOfWork, orders, products, clock, rules } = ports;
  return {
    createProduct: new CreateProductHandler(unitOfWork, products, clock),
    updateProduct: new UpdateProductHandler(unitOfWork, products, clock),
    seedDemoCatalog: new SeedDemoCatalogHandler(unitOfWork, products, ports.catalogSeed, clock),
    placeOrder: new PlaceOrderHandler(unitOfWork, orders, products, clock, rules),
    recordCouponReply: new RecordCouponReplyHandler(unitOfWork, orders, clock, rules),
    recordPointsReply: new RecordPointsReplyHandler(unitOfWork, orders, clock, rules),
    recordPayment: new RecordPaymentHandler(unitOfWork, orders, clock),
    recordRefund: new RecordRefundHandler(unitOfWork, orders, clock),
    cancelOrder: new CancelOrderHandler(unitOfWork, orders, clock),
    confirmReceipt: new ConfirmReceiptHandler(unitOfWork, orders, clock),
    requestRefund: new RequestRefundHandler(unitOfWork, orders, clock),
    advanceFulfilment: new AdvanceFulfilmentHandler(unitOfWork, orders, clock),
    expireOverdue: new ExpireOverdueOrdersHandler(unitOfWork, orders, clock),
    getOrder: new GetOrderHandler(ports.orderQueries),
    listMyOrders: new ListMyOrdersHandler(ports.orderQueries),
    listProducts: new ListProductsHandler(ports.catalogQueries),
  };
}

export type OrderHandlers = ReturnType<typeof orderHandlersOf>;

/**
 * Every port of the order context's use cases in memory, sharing one unit of work and outbox, and every
 * handler built over them. The rules default to the service's defaults.
 */
export function orderApplicationFixture(options: { rules?: Partial<OrderRules> } = {}) {
  const unitOfWork = new InMemoryUnitOfWork();
  const outbox = new InMemoryEventOutbox(unitOfWork);
  const orders = new InMemoryOrderRepository(unitOfWork, outbox);
  const products = new InMemoryProductRepository(unitOfWork, outbox);
  const orderQueries = new InMemoryOrderQueries(orders);
  const catalogQueries = new InMemoryCatalogQueries(products);
  const catalogSeed = new InMemoryCatalogSeed(unitOfWork);
  const clock = new ManualClock(FIXTURE_NOW);
  const rules: OrderRules = { ...FIXTURE_RULES, ...options.rules };
  const handlers = orderHandlersOf({ unitOfWork, orders, products, orderQueries, catalogQueries, catalogSeed, clock, rules });

  /** Products in the catalog as if an admin had created them earlier (nothing announced); active unless told. */
  const givenProducts = (...given: Array<{ sku: string; price: number; name?: string; active?: boolean }>): void => {
    for (const { sku, price, name, active } of given)
      products.insert(Product.create({ productId: newId(), sku, name: name ?? sku, price, active: active ?? true, at: clock.now() }));
  };

  /**
   * An order placed by `userId` through the use case: 2 × TEA (8 800) + 1 × MUG (3 900) = 21 500 fen
   * unless `items` says otherwise (the products are added to the catalog when missing), with a coupon
   * and points when given.
   */
  const placeOrder = async (
    userId: string,
    options: { couponId?: string | null; pointsToUse?: number; items?: Array<{ sku: string; quantity: number }> } = {},
  ): Promise<string> => {
    for (const [sku, price] of [
      ['TEA', 8_800],
      ['MUG', 3_900],
    ] as const)
      if (!products.snapshots().some((p) => p.sku === sku)) givenProducts({ sku, price });
    const items = options.items ?? [
      { sku: 'TEA', quantity: 2 },
      { sku: 'MUG', quantity: 1 },
    ];
    const { orderId } = await handlers.placeOrder.execute({ userId, items, couponId: options.couponId ?? null, pointsToUse: options.pointsToUse ?? 0 });
    return orderId;
  };

  /** An order with a coupon (`discount` off) and `pointsToUse` points, both reserved: AWAITING_PAYMENT. */
  const awaitingPayment = async (
    userId: string,
    options: { discount?: number; pointsToUse?: number } = {},
  ): Promise<{ orderId: string; couponId: string; payable: number }> => {
    const couponId = newId();
    const pointsToUse = options.pointsToUse ?? 500;
    const orderId = await placeOrder(userId, { couponId, pointsToUse });
    await handlers.recordCouponReply.execute({ orderId, reply: { kind: 'reserved', couponId, discount: options.discount ?? 1_000 } });
    await handlers.recordPointsReply.execute({ orderId, reply: { kind: 'reserved', points: pointsToUse } });
    return { orderId, couponId, payable: orders.rowOf(orderId)!.payable! };
  };

  /** An order paid by one payment of its payable: PAID. */
  const paidOrder = async (userId: string): Promise<{ orderId: string; couponId: string; paymentId: string; payable: number }> => {
    const awaiting = await awaitingPayment(userId);
    const paymentId = newId();
    await handlers.recordPayment.execute({ orderId: awaiting.orderId, paymentId, amount: awaiting.payable });
    return { ...awaiting, paymentId };
  };

  /** The stored order's status. */
  const statusOf = (orderId: string) => orders.rowOf(orderId)?.status;

  return {
    unitOfWork,
    outbox,
    orders,
    products,
    orderQueries,
    catalogQueries,
    catalogSeed,
    clock,
    rules,
    handlers,
    givenProducts,
    placeOrder,
    awaitingPayment,
    paidOrder,
    statusOf,
  };
}

export type OrderApplicationFixture = ReturnType<typeof orderApplicationFixture>;
