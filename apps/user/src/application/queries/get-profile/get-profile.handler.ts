import { Inject, Injectable } from '@nestjs/common';
import { isUuid } from '@shop/shared-kernel';
import { UserNotFoundError } from '../../../domain/user.errors.js';
import type { UserRepository } from '../../ports/user.repository.js';
import { USER_REPOSITORY } from '../../user.di-tokens.js';
import type { GetProfileQuery, UserProfile } from './get-profile.query.js';

/** What a signed-in user sees about themself. */
@Injectable()
export class GetProfileHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(query: GetProfileQuery): Promise<UserProfile> {
    const user = isUuid(query.userId) ? await this.users.findById(query.userId.toLowerCase()) : null;
    if (!user) throw new UserNotFoundError(query.userId);
    return { userId: user.id, email: user.email.value, nickname: user.nickname?.value ?? null, roles: user.roles };
  }
}
