import { ClaimCouponHandler } from '../commands/claim-coupon/claim-coupon.handler.js';
import { ConfirmCouponUseHandler } from '../commands/confirm-coupon-use/confirm-coupon-use.handler.js';
import { CreateCouponTemplateHandler } from '../commands/create-coupon-template/create-coupon-template.handler.js';
import { ExpireCouponsHandler } from '../commands/expire-coupons/expire-coupons.handler.js';
import { GrantWelcomeCouponsHandler } from '../commands/grant-welcome-coupons/grant-welcome-coupons.handler.js';
import { PauseCouponTemplateHandler } from '../commands/pause-coupon-template/pause-coupon-template.handler.js';
import { ReleaseCouponForOrderHandler } from '../commands/release-coupon-for-order/release-coupon-for-order.handler.js';
import { ReserveCouponForOrderHandler } from '../commands/reserve-coupon-for-order/reserve-coupon-for-order.handler.js';
import { ResumeCouponTemplateHandler } from '../commands/resume-coupon-template/resume-coupon-template.handler.js';
import { ReturnCouponAfterRefundHandler } from '../commands/return-coupon-after-refund/return-coupon-after-refund.handler.js';
import { ListClaimableCouponTemplatesHandler } from '../queries/list-claimable-coupon-templates/list-claimable-coupon-templates.handler.js';
import { ListCouponTemplatesHandler } from '../queries/list-coupon-templates/list-coupon-templates.handler.js';
import { ListMyCouponsHandler } from '../queries/list-my-coupons/list-my-coupons.handler.js';
import type { CouponApplicationFixture } from './coupon-application.fixture.js';

/** Every use case of the coupon context, wired to the fixture's fakes as the module wires them to the real adapters. */
export function couponHandlersOf(f: CouponApplicationFixture) {
  return {
    createTemplate: new CreateCouponTemplateHandler(f.unitOfWork, f.templates, f.clock),
    pauseTemplate: new PauseCouponTemplateHandler(f.unitOfWork, f.templates, f.clock),
    resumeTemplate: new ResumeCouponTemplateHandler(f.unitOfWork, f.templates, f.clock),
    claim: new ClaimCouponHandler(f.unitOfWork, f.templates, f.coupons, f.clock, f.soldOut),
    grantWelcome: new GrantWelcomeCouponsHandler(f.unitOfWork, f.templates, f.coupons, f.clock, f.soldOut),
    reserve: new ReserveCouponForOrderHandler(f.unitOfWork, f.reservations, f.coupons, f.clock),
    release: new ReleaseCouponForOrderHandler(f.unitOfWork, f.reservations, f.coupons, f.clock),
    confirm: new ConfirmCouponUseHandler(f.unitOfWork, f.reservations, f.coupons, f.clock),
    returnAfterRefund: new ReturnCouponAfterRefundHandler(f.unitOfWork, f.reservations, f.coupons, f.clock),
    expire: new ExpireCouponsHandler(f.expiry, f.clock),
    listTemplates: new ListCouponTemplatesHandler(f.queries),
    listClaimable: new ListClaimableCouponTemplatesHandler(f.queries, f.clock),
    listMine: new ListMyCouponsHandler(f.queries, f.clock),
  };
}
