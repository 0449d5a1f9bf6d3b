import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { Email } from '../../../domain/email.js';
import { PlainPassword } from '../../../domain/plain-password.js';
import { User } from '../../../domain/user.js';
import { AdminEmailHeldByCustomerError, EmailTakenError } from '../../../domain/user.errors.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { UserRepository } from '../../ports/user.repository.js';
import { PASSWORD_HASHER, USER_CLOCK, USER_REPOSITORY } from '../../user.di-tokens.js';
import type { SeedAdminCommand, SeededAdmin } from './seed-admin.command.js';

const ATTEMPTS = 3;

/**
 * Makes sure the configured administrator exists and is an admin. Runs at every start of every
 * instance, so it is idempotent: an existing admin keeps its password (the configuration only
 * bootstraps it) and nothing changes.
 *
 * An existing account that is NOT an admin stops the start (AdminEmailHeldByCustomerError). Anyone
 * can register any address, so granting it the role would hand the shop to whoever registered the
 * address first; resetting its password to the configured one instead would silently take the
 * account away from a real customer who happens to own the address. Which of the two is right only
 * the operator knows, so the service refuses and says why.
 */
@Injectable()
export class SeedAdminHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(USER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: SeedAdminCommand): Promise<SeededAdmin> {
    const email = Email.of(command.email);
    // Hashed up front, outside the transaction, even if the account exists: once per start is cheap.
    const passwordHash = await this.hasher.hash(PlainPassword.of(command.password));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.unitOfWork.run(() => this.seedOnce(email, passwordHash));
      } catch (error) {
        // Another instance created the account between our look-up and our insert: look again.
        if (!(error instanceof EmailTakenError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  private async seedOnce(email: Email, passwordHash: string): Promise<SeededAdmin> {
    // findByEmail compares normalised addresses, as Email does: `Boss@Example.com` finds `boss@example.com`.
    const existing = await this.users.findByEmail(email);
    if (existing?.hasRole('admin')) return { userId: existing.id, outcome: 'unchanged' };
    if (existing) throw new AdminEmailHeldByCustomerError(email.value, existing.id);

    const now = this.clock.now();
    const admin = User.register({ id: newId(), email, nickname: null, passwordHash, registeredAt: now });
    admin.grantRole('admin', now);
    await this.users.save(admin);
    return { userId: admin.id, outcome: 'created' };
  }
}
