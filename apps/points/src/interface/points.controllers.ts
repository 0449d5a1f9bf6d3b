import type { Type } from '@nestjs/common';
import { MyPointsController } from './http/my-points.controller.js';
import { ConfirmPointsOnOrderPaid } from './messaging/confirm-points-on-order-paid.controller.js';
import { GrantSignupBonusOnUserRegistered } from './messaging/grant-signup-bonus-on-user-registered.controller.js';
import { ReleasePointsOnOrderCancelled } from './messaging/release-points-on-order-cancelled.controller.js';
import { ReservePointsOnOrderPlaced } from './messaging/reserve-points-on-order-placed.controller.js';
import { ReturnPointsOnOrderRefunded } from './messaging/return-points-on-order-refunded.controller.js';

/** The routes of POINTS_ROUTES (GET /me/points, GET /me/points/ledger): the signed-in customer's own points. */
export const pointsHttpControllers: Type[] = [MyPointsController];

/** One consumer per reaction to an event the points context subscribes to (pointsContext.subscribes). */
export const pointsEventControllers: Type[] = [
  GrantSignupBonusOnUserRegistered,
  ReservePointsOnOrderPlaced,
  ReleasePointsOnOrderCancelled,
  ConfirmPointsOnOrderPaid,
  ReturnPointsOnOrderRefunded,
];
