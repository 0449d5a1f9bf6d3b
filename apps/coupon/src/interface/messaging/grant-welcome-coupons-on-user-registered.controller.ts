import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { UserRegisteredV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { GrantWelcomeCouponsHandler } from '../../application/commands/grant-welcome-coupons/grant-welcome-coupons.handler.js';

/**
 * A new user gets one coupon of every active `grantOnRegister` campaign. A campaign sold out or not
 * claimable is skipped and logged, never failing the message; a second delivery grants nothing more
 * (the grant key is unique per campaign and user).
 */
@Controller()
export class GrantWelcomeCouponsOnUserRegistered {
  constructor(
    private readonly grantWelcomeCoupons: GrantWelcomeCouponsHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(UserRegisteredV1, 'grant-welcome-coupons-on-user-registered')
  async handle(@Payload() envelope: EventEnvelope<UserRegisteredV1>): Promise<void> {
    const { userId } = envelope.payload;
    const { granted, skipped } = await this.grantWelcomeCoupons.execute({ userId });
    for (const skip of skipped) {
      // LIMIT_REACHED is the same registration seen again (or a coupon of the campaign claimed before): no news.
      const log = skip.reason === 'SOLD_OUT' ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
      log({ userId, templateId: skip.templateId, reason: skip.reason }, 'welcome coupon not granted');
    }
    if (granted.length > 0)
      this.logger.info({ userId, granted: granted.map(({ templateId, couponId }) => ({ templateId, couponId })) }, 'welcome coupons granted');
  }
}
