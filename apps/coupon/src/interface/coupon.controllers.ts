import type { Type } from '@nestjs/common';
import { AdminCouponTemplatesController } from './http/admin-coupon-templates.controller.js';
import { CouponTemplatesController } from './http/coupon-templates.controller.js';
import { MyCouponsController } from './http/my-coupons.controller.js';
import { GrantWelcomeCouponsOnUserRegistered } from './messaging/grant-welcome-coupons-on-user-registered.controller.js';
import { ReleaseCouponOnOrderCancelled } from './messaging/release-coupon-on-order-cancelled.controller.js';
import { ReserveCouponOnOrderPlaced } from './messaging/reserve-coupon-on-order-placed.controller.js';
import { ReturnCouponOnOrderRefunded } from './messaging/return-coupon-on-order-refunded.controller.js';
import { UseCouponOnOrderPaid } from './messaging/use-coupon-on-order-paid.controller.js';

/** The routes of COUPON_ROUTES, one controller per audience (admins, customers, the customer's own coupons). */
export const couponHttpControllers: Type[] = [AdminCouponTemplatesController, CouponTemplatesController, MyCouponsController];

/** One consumer per reaction to an event the coupon context subscribes to (couponContext.subscribes). */
export const couponEventControllers: Type[] = [
  ReserveCouponOnOrderPlaced,
  ReleaseCouponOnOrderCancelled,
  UseCouponOnOrderPaid,
  ReturnCouponOnOrderRefunded,
  GrantWelcomeCouponsOnUserRegistered,
];
