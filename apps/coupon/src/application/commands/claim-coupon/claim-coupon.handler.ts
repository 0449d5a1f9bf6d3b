import { Inject, Injectable } from '@nestjs/common';
import type { ClaimCouponResponse } from '@shop/contracts';
import { UNIT_OF_WORK, isUuid, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import type { Coupon } from '../../../domain/coupon.js';
import { LimitReachedError, NotClaimableError, SoldOutError } from '../../../domain/coupon.errors.js';
import { COUPON_CLOCK, COUPON_REPOSITORY, COUPON_TEMPLATE_REPOSITORY } from '../../coupon.di-tokens.js';
import { claimCouponResponseOf } from '../../coupon.presenters.js';
import type { CouponRepository } from '../../ports/coupon.repository.js';
import type { CouponTemplateRepository } from '../../ports/coupon-template.repository.js';
import { SoldOutTemplates } from '../../sold-out-templates.js';
import type { ClaimCouponCommand } from './claim-coupon.command.js';

/**
 * A user claims a coupon of a campaign: the flash-sale path. The store decides stock and the
 * per-user limit atomically (`CouponRepository.issue`); this instance remembers what the store said
 * sold out, so once a campaign is gone every later claim is answered SOLD_OUT without a database
 * read or write.
 */
@Injectable()
export class ClaimCouponHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_TEMPLATE_REPOSITORY) private readonly templates: CouponTemplateRepository,
    @Inject(COUPON_REPOSITORY) private readonly coupons: CouponRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
    @Inject(SoldOutTemplates) private readonly soldOut: SoldOutTemplates,
  ) {}

  async execute(command: ClaimCouponCommand): Promise<ClaimCouponResponse> {
    const { templateId, userId } = command;
    if (this.soldOut.has(templateId)) throw new SoldOutError(templateId);
    if (!isUuid(templateId)) throw new NotClaimableError(templateId, 'UNKNOWN_TEMPLATE');

    const coupon = await this.unitOfWork.run(async (): Promise<Coupon> => {
      const template = await this.templates.findById(templateId.toLowerCase());
      if (!template) throw new NotClaimableError(templateId, 'UNKNOWN_TEMPLATE');
      const now = this.clock.now();
      let coupon: Coupon;
      try {
        coupon = template.issueCoupon(newId(), userId, now);
      } catch (error) {
        if (error instanceof SoldOutError) this.soldOut.remember(template.id);
        throw error;
      }
      const outcome = await this.coupons.issue(coupon, template);
      if (outcome === 'sold_out') {
        this.soldOut.remember(template.id);
        throw new SoldOutError(template.id);
      }
      if (outcome === 'limit_reached') throw new LimitReachedError(template.id, template.perUserLimit);
      return coupon;
    });
    return claimCouponResponseOf(coupon);
  }
}
