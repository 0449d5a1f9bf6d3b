import { Inject, Injectable } from '@nestjs/common';
import type { ClaimCouponResponse } from '@shop/contracts';
import { UNIT_OF_WORK, isUuid, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import type { Coupon } from '../../../domain/coupon.js';
import type { CouponTemplate } from '../../../domain/coupon-template.js';
import { LimitReachedError, NotClaimableError, SoldOutError } from '../../../domain/coupon.errors.js';
import { COUPON_CLOCK, COUPON_REPOSITORY, COUPON_TEMPLATE_REPOSITORY } from '../../coupon.di-tokens.js';
import { claimCouponResponseOf } from '../../coupon.presenters.js';
import type { CouponRepository } from '../../ports/coupon.repository.js';
import type { CouponTemplateRepository } from '../../ports/coupon-template.repository.js';
import { SoldOutTemplates } from '../../sold-out-templates.js';
import type { ClaimCouponCommand } from './claim-coupon.command.js';
import { TemplateDefinitions } from './template-definitions.js';

/**
 * A user claims a coupon of a campaign: the flash-sale path. The store decides stock, status and the
 * per-user limit atomically (`CouponRepository.issue`); this instance keeps what never changes or never
 * comes back: each template's definition (`TemplateDefinitions`: after the first claim a claim reads no
 * template; its window and validity are checked against the clock) and which templates the store said
 * sold out (`SoldOutTemplates`: once a campaign is gone every later claim is answered SOLD_OUT without a
 * database read or write). A refusal throws, rolling the claim's transaction back whole, so the issue
 * needs no savepoint.
 */
@Injectable()
export class ClaimCouponHandler {
  /** Per instance, as the handler is (a singleton of the module). */
  private readonly definitions = new TemplateDefinitions();

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

    // A known template is refused outside its window or validity before any transaction opens.
    const known = this.definitions.get(templateId);
    const claimOfKnown = known && { definition: known, coupon: known.claimCoupon(newId(), userId, this.clock.now()) };

    const coupon = await this.unitOfWork.run(async (): Promise<Coupon> => {
      const { definition, coupon } = claimOfKnown ?? (await this.readFirst(templateId, userId));
      const outcome = await this.coupons.issue(coupon, definition);
      switch (outcome) {
        case 'issued':
          return coupon;
        case 'sold_out':
          this.soldOut.remember(definition.id);
          throw new SoldOutError(definition.id);
        case 'limit_reached':
          throw new LimitReachedError(definition.id, definition.perUserLimit);
        case 'not_claimable':
          // The definition was read from the store, so the template exists: paused.
          throw new NotClaimableError(definition.id, 'PAUSED');
      }
    });
    return claimCouponResponseOf(coupon);
  }

  /**
   * The first claim of a template on this instance reads it: unknown is NOT_CLAIMABLE (and not
   * remembered: it may be created later); its definition is kept (a welcome campaign's too, so later
   * claims of it are refused without a read); what the read says of its status and stock refuses at
   * once (sold out is remembered).
   */
  private async readFirst(templateId: string, userId: string): Promise<{ definition: CouponTemplate; coupon: Coupon }> {
    const template = await this.templates.findById(templateId.toLowerCase());
    if (!template) throw new NotClaimableError(templateId, 'UNKNOWN_TEMPLATE');
    const definition = this.definitions.remember(template);
    try {
      return { definition, coupon: template.claimCoupon(newId(), userId, this.clock.now()) };
    } catch (error) {
      if (error instanceof SoldOutError) this.soldOut.remember(template.id);
      throw error;
    }
  }
}
