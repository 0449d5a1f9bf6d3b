import { Inject, Injectable } from '@nestjs/common';
import type { CouponTemplateResponse } from '@shop/contracts';
import { UNIT_OF_WORK, isUuid, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { TemplateNotFoundError } from '../../../domain/coupon.errors.js';
import { COUPON_CLOCK, COUPON_TEMPLATE_REPOSITORY } from '../../coupon.di-tokens.js';
import { couponTemplateResponseOf } from '../../coupon.presenters.js';
import type { CouponTemplateRepository } from '../../ports/coupon-template.repository.js';
import type { PauseCouponTemplateCommand } from './pause-coupon-template.command.js';

/** An admin stops claims of a campaign (coupons already issued stay usable). Pausing a paused one changes nothing. */
@Injectable()
export class PauseCouponTemplateHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_TEMPLATE_REPOSITORY) private readonly templates: CouponTemplateRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: PauseCouponTemplateCommand): Promise<CouponTemplateResponse> {
    if (!isUuid(command.templateId)) throw new TemplateNotFoundError(command.templateId);
    return this.unitOfWork.run(async () => {
      // Locked: a concurrent pause or resume of it waits for this one, then loads what it saved.
      const template = await this.templates.findByIdForUpdate(command.templateId.toLowerCase());
      if (!template) throw new TemplateNotFoundError(command.templateId);
      template.pause(this.clock.now());
      await this.templates.save(template);
      return couponTemplateResponseOf(template);
    });
  }
}
