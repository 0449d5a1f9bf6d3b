import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { ledgerKey } from '../../../domain/ledger-entry.js';
import { PointsAccount } from '../../../domain/points-account.js';
import { Points } from '../../../domain/points.js';
import { POINTS_ACCOUNT_REPOSITORY, POINTS_CLOCK, POINTS_RULES, type PointsRules } from '../../points.di-tokens.js';
import type { PointsAccountRepository } from '../../ports/points-account.repository.js';
import type { GrantSignupBonusCommand, GrantSignupBonusResult } from './grant-signup-bonus.command.js';

/**
 * A new user gets the sign-up bonus, once: its ledger key (`BONUS:<userId>`) is looked up under the
 * account's lock, and the ledger's unique key refuses a second one should two deliveries race on a new
 * account. The account is opened by its first entry.
 */
@Injectable()
export class GrantSignupBonusHandler {
  private readonly bonus: Points;

  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(POINTS_ACCOUNT_REPOSITORY) private readonly accounts: PointsAccountRepository,
    @Inject(POINTS_CLOCK) private readonly clock: Clock,
    @Inject(POINTS_RULES) rules: PointsRules,
  ) {
    this.bonus = Points.of(rules.signupBonus, 'signupBonus');
  }

  async execute(command: GrantSignupBonusCommand): Promise<GrantSignupBonusResult> {
    if (this.bonus.isZero()) return { outcome: 'disabled' };
    return this.unitOfWork.run(async () => {
      const now = this.clock.now();
      const account = (await this.accounts.findForUpdate(command.userId)) ?? PointsAccount.open(command.userId, now);
      // The key as the account writes it: its user id in the one spelling the account keeps.
      if (await this.accounts.hasLedgerEntry(ledgerKey('BONUS', account.userId))) return { outcome: 'already-granted' };
      account.grantSignupBonus(this.bonus, now);
      await this.accounts.save(account);
      return { outcome: 'granted', points: this.bonus.value };
    });
  }
}
