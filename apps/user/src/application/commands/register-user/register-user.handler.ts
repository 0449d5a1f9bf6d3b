import { Inject, Injectable } from '@nestjs/common';
import { UNIT_OF_WORK, newId, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { Email } from '../../../domain/email.js';
import { Nickname } from '../../../domain/nickname.js';
import { PlainPassword } from '../../../domain/plain-password.js';
import { User } from '../../../domain/user.js';
import { EmailTakenError } from '../../../domain/user.errors.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { UserRepository } from '../../ports/user.repository.js';
import { PASSWORD_HASHER, USER_CLOCK, USER_REPOSITORY } from '../../user.di-tokens.js';
import type { RegisterUserCommand, RegisteredUser } from './register-user.command.js';

/** Opens an account; saving it announces it (`user.registered.v1`) in the same transaction. */
@Injectable()
export class RegisterUserHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(USER_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: RegisterUserCommand): Promise<RegisteredUser> {
    const email = Email.of(command.email);
    const nickname = command.nickname == null ? null : Nickname.of(command.nickname);
    // Hashed before the transaction opens: the hash is slow on purpose and must not hold a
    // connection (or, on SQLite, every other writer) while it runs.
    const passwordHash = await this.hasher.hash(PlainPassword.of(command.password));

    return this.unitOfWork.run(async () => {
      // A friendly early answer; the unique index in the store settles a race between two of these.
      if (await this.users.findByEmail(email)) throw new EmailTakenError(email.value);
      const user = User.register({ id: newId(), email, nickname, passwordHash, registeredAt: this.clock.now() });
      await this.users.save(user);
      return { userId: user.id, email: user.email.value, nickname: user.nickname?.value ?? null };
    });
  }
}
