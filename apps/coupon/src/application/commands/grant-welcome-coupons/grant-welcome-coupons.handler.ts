import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import type { CouponTemplate } from '../../../domain/coupon-template.js';
import { COUPON_CLOCK, COUPON_REPOSITORY, COUPON_TEMPLATE_REPOSITORY } from '../../coupon.di-tokens.js';
import type { CouponRepository } from '../../ports/coupon.repository.js';
import type { CouponTemplateRepository } from '../../ports/coupon-template.repository.js';
import { SoldOutTemplates } from '../../sold-out-templates.js';
import type { GrantWelcomeCouponsCommand, GrantWelcomeCouponsResult, WelcomeCouponSkipReason } from './grant-welcome-coupons.command.js';

/** The key that makes a welcome grant happen once per template and user, however often the registration is delivered. */
export const welcomeGrantKey = (templateId: string, userId: string): string => `welcome:${templateId}:${userId}`;

/**
 * A new user gets one coupon of every active `grantOnRegister` campaign claimable now. A campaign sold
 * out, not claimable, or already granted to this user is skipped (and reported), never failing the
 * message: the rest are still granted.
 */
@Injectable()
export class GrantWelcomeCouponsHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_TEMPLATE_REPOSITORY) private readonly templates: CouponTemplateRepository,
    @Inject(COUPON_REPOSITORY) private readonly coupons: CouponRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
    @Inject(SoldOutTemplates) private readonly soldOut: SoldOutTemplates,
  ) {}

  async execute(command: GrantWelcomeCouponsCommand): Promise<GrantWelcomeCouponsResult> {
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const granted: Array<GrantWelcomeCouponsResult['granted'][number]> = [];
      const skipped: Array<GrantWelcomeCouponsResult['skipped'][number]> = [];
      for (const template of await this.templates.findActiveGrantOnRegister()) {
        const outcome = await this.grantOne(template, command.userId, now);
        if (typeof outcome === 'string') skipped.push({ templateId: template.id, reason: outcome });
        else granted.push({ templateId: template.id, couponId: outcome.couponId });
      }
      return { granted, skipped };
    });
  }

  private async grantOne(template: CouponTemplate, userId: string, now: Date): Promise<WelcomeCouponSkipReason | { couponId: string }> {
    if (!template.isClaimableAt(now)) return 'NOT_CLAIMABLE';
    if (template.isSoldOut || this.soldOut.has(template.id)) {
      this.soldOut.remember(template.id);
      return 'SOLD_OUT';
    }
    const coupon = template.issueCoupon(newId(), userId, now);
    // Undone on a refusal (a savepoint), so that the next template goes on in the same transaction and the grants commit.
    const outcome = await this.coupons.issue(coupon, template, { grantKey: welcomeGrantKey(template.id, userId), undoOnRefusal: true });
    switch (outcome) {
      case 'issued':
        return { couponId: coupon.id };
      case 'sold_out':
        this.soldOut.remember(template.id);
        return 'SOLD_OUT';
      case 'limit_reached':
        return 'LIMIT_REACHED';
      case 'not_claimable':
        // Paused since it was read.
        return 'NOT_CLAIMABLE';
    }
  }
}
