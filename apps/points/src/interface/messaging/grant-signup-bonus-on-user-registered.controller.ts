import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { UserRegisteredV1, type EventEnvelope } from '@shop/contracts';
import { HandlesEvent } from '@shop/messaging';
import { LOGGER, type Logger } from '@shop/observability';
import { canonicalId } from '@shop/shared-kernel';
import { GrantSignupBonusHandler } from '../../application/commands/grant-signup-bonus/grant-signup-bonus.handler.js';

/**
 * A new user gets the sign-up bonus (`POINTS_SIGNUP_BONUS`), once: its ledger key `BONUS:<userId>` is
 * unique, so the same registration seen again (another delivery, another event id) grants nothing more.
 */
@Controller()
export class GrantSignupBonusOnUserRegistered {
  constructor(
    private readonly grantSignupBonus: GrantSignupBonusHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandlesEvent(UserRegisteredV1, 'grant-signup-bonus-on-user-registered')
  async handle(@Payload() envelope: EventEnvelope<UserRegisteredV1>): Promise<void> {
    // In one spelling: the bonus key holds it, so a registration seen again in upper case grants nothing more.
    const userId = canonicalId(envelope.payload.userId);
    const result = await this.grantSignupBonus.execute({ userId });
    if (result.outcome === 'granted') this.logger.info({ userId, points: result.points }, 'sign-up bonus granted');
    else if (result.outcome === 'already-granted') this.logger.info({ userId }, 'user registered again: the sign-up bonus was granted before, nothing changed');
    // Turned off on purpose (POINTS_SIGNUP_BONUS=0): said on every registration, so only at debug.
    else this.logger.debug({ userId }, 'sign-up bonus is off: nothing granted');
  }
}
