import { Inject, Injectable } from '@nestjs/common';
import type { CouponTemplateResponse } from '@shop/contracts';
import { UNIT_OF_WORK, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { CouponTemplate } from '../../../domain/coupon-template.js';
import { discountKinds } from '../../../domain/discount/discount-kinds.js';
import { Validity, parseInstant } from '../../../domain/validity.js';
import { COUPON_CLOCK, COUPON_TEMPLATE_REPOSITORY } from '../../coupon.di-tokens.js';
import { couponTemplateResponseOf } from '../../coupon.presenters.js';
import type { CouponTemplateRepository } from '../../ports/coupon-template.repository.js';
import type { CreateCouponTemplateCommand } from './create-coupon-template.command.js';

/** An admin opens a campaign: ACTIVE at once, nothing issued. */
@Injectable()
export class CreateCouponTemplateHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(COUPON_TEMPLATE_REPOSITORY) private readonly templates: CouponTemplateRepository,
    @Inject(COUPON_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CreateCouponTemplateCommand): Promise<CouponTemplateResponse> {
    // Everything is validated before the transaction opens: a bad request costs no connection.
    const discount = discountKinds.fromSnapshot(command.discount);
    const validity = Validity.fromSnapshot(command.validity);
    const claimStartsAt = command.claimStartsAt == null ? null : parseInstant('claimStartsAt', command.claimStartsAt);
    const claimEndsAt = command.claimEndsAt == null ? null : parseInstant('claimEndsAt', command.claimEndsAt);
    const template = CouponTemplate.create(
      {
        id: newId(),
        name: command.name,
        discount,
        totalStock: command.totalStock,
        perUserLimit: command.perUserLimit ?? undefined,
        validity,
        claimStartsAt,
        claimEndsAt,
        grantOnRegister: command.grantOnRegister ?? undefined,
      },
      this.clock.now(),
    );
    await this.unitOfWork.run(() => this.templates.save(template));
    return couponTemplateResponseOf(template);
  }
}
