import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { UserRegisteredV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import type { WelcomeCouponSkipReason } from '../../application/commands/grant-welcome-coupons/grant-welcome-coupons.command.js';
import { GrantWelcomeCouponsHandler } from '../../application/commands/grant-welcome-coupons/grant-welcome-coupons.handler.js';
import { canonicalId } from '@shop/shared-kernel';

/**
 * How loud a skipped grant is: a campaign that ran out is news for whoever runs it; the same
 * registration seen again (LIMIT_REACHED: granted before) is not; a campaign whose claim window has
 * not opened would say so on every registration.
 */
const SKIP_LOG_LEVEL: Record<WelcomeCouponSkipReason, 'warn' | 'info' | 'debug'> = { SOLD_OUT: 'warn', LIMIT_REACHED: 'info', NOT_CLAIMABLE: 'debug' };

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
    // In one spelling: the grant key (`welcome:<template>:<user>`) holds it, so a registration seen again in upper case grants nothing more.
    const userId = canonicalId(envelope.payload.userId);
    const { granted, skipped } = await this.grantWelcomeCoupons.execute({ userId });
    for (const { templateId, reason } of skipped) {
      this.logger[SKIP_LOG_LEVEL[reason]]({ userId, templateId, reason }, 'welcome coupon not granted');
    }
    if (granted.length > 0) this.logger.info({ userId, granted }, 'welcome coupons granted');
  }
}
