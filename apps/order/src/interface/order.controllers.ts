import type { Type } from '@nestjs/common';
import { AdminOrdersController } from './http/admin-orders.controller.js';
import { AdminProductsController } from './http/admin-products.controller.js';
import { CatalogController } from './http/catalog.controller.js';
import { OrdersController } from './http/orders.controller.js';
import { AdvanceCheckoutOnCouponReserved } from './messaging/advance-checkout-on-coupon-reserved.controller.js';
import { AdvanceCheckoutOnPointsReserved } from './messaging/advance-checkout-on-points-reserved.controller.js';
import { CancelOrderOnCouponRejected } from './messaging/cancel-order-on-coupon-rejected.controller.js';
import { CancelOrderOnPointsRejected } from './messaging/cancel-order-on-points-rejected.controller.js';
import { MarkOrderPaidOnPaymentSucceeded } from './messaging/mark-order-paid-on-payment-succeeded.controller.js';
import { MarkOrderRefundedOnPaymentRefunded } from './messaging/mark-order-refunded-on-payment-refunded.controller.js';

/** The routes of ORDER_ROUTES, one controller per audience (the catalog, admins' catalog, customers' orders, admins' fulfilment). */
export const orderHttpControllers: Type[] = [CatalogController, AdminProductsController, OrdersController, AdminOrdersController];

/** One consumer per reaction to an event the order context subscribes to (orderContext.subscribes). */
export const orderEventControllers: Type[] = [
  AdvanceCheckoutOnCouponReserved,
  CancelOrderOnCouponRejected,
  AdvanceCheckoutOnPointsReserved,
  CancelOrderOnPointsRejected,
  MarkOrderPaidOnPaymentSucceeded,
  MarkOrderRefundedOnPaymentRefunded,
];
