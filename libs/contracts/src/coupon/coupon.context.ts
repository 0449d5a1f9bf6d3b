import { defineContext } from '../context.js';
import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1 } from '../order/order.events.js';
import { UserRegisteredV1 } from '../user/user.events.js';
import { COUPON_ROUTES } from './coupon.http.js';
import { CouponReservationRejectedV1, CouponReservedV1 } from './coupon.events.js';

/** The coupon context: campaigns, claiming, welcome coupons, expiry, and its part in the order saga (DESIGN.md sections 5 and 6). */
export const couponContext = defineContext({
  name: 'coupon',
  port: 3003,
  events: [CouponReservedV1, CouponReservationRejectedV1],
  routes: COUPON_ROUTES,
  tags: { coupons: 'Claiming and holding coupons', 'coupon-admin': 'Coupon campaigns, for admins' },
  subscribes: { events: [UserRegisteredV1, OrderPlacedV1, OrderCancelledV1, OrderPaidV1, OrderRefundedV1] },
});
