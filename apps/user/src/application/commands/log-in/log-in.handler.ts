import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@shop/shared-kernel';
import { Email } from '../../../domain/email.js';
import { PlainPassword } from '../../../domain/plain-password.js';
import type { User } from '../../../domain/user.js';
import { InvalidCredentialsError } from '../../../domain/user.errors.js';
import type { AccessToken, AccessTokenIssuer } from '../../ports/access-token-issuer.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { UserRepository } from '../../ports/user.repository.js';
import { ACCESS_TOKEN_ISSUER, PASSWORD_HASHER, USER_REPOSITORY } from '../../user.di-tokens.js';
import type { LogInCommand } from './log-in.command.js';

/**
 * Exchanges an e-mail address and a password for an access token. Every failure looks the same
 * and takes about as long: an unknown address is checked against a hash of a random password, so
 * that timing does not tell which addresses have accounts.
 */
@Injectable()
export class LogInHandler {
  private dummyHash: Promise<string> | undefined;

  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(ACCESS_TOKEN_ISSUER) private readonly tokens: AccessTokenIssuer,
  ) {}

  async execute(command: LogInCommand): Promise<AccessToken> {
    // No password longer than the policy allows was ever stored; refusing it unhashed saves work
    // and gives nothing away about any account.
    if (!PlainPassword.isPlausible(command.password)) throw new InvalidCredentialsError();
    const user = await this.findUser(command.email);
    const matches = await this.hasher.verify(user?.passwordHash ?? (await this.hashOfNobody()), command.password);
    if (!user || !matches) throw new InvalidCredentialsError();
    return this.tokens.issue(user.id, user.roles);
  }

  private async findUser(rawEmail: string): Promise<User | null> {
    let email: Email;
    try {
      email = Email.of(rawEmail);
    } catch {
      return null;
    }
    return this.users.findByEmail(email);
  }

  private hashOfNobody(): Promise<string> {
    this.dummyHash ??= this.hasher.hash(PlainPassword.of(newId()));
    return this.dummyHash;
  }
}
