import { Controller, Get } from '@nestjs/common';
import type { MeResponse } from '@shop/contracts';
import { CurrentIdentity, RequiresUser, type Identity } from '@shop/http';
import { GetProfileHandler } from '../../application/queries/get-profile/get-profile.handler.js';

/**
 * `GET /me`: the signed-in user's own profile. The user id comes only from the gateway's signed
 * identity, never from the request, so nobody can ask for someone else's.
 */
@Controller('me')
export class MeController {
  constructor(private readonly getProfile: GetProfileHandler) {}

  @Get()
  @RequiresUser()
  async me(@CurrentIdentity() identity: Identity): Promise<MeResponse> {
    const profile = await this.getProfile.execute({ userId: identity.userId });
    return { userId: profile.userId, email: profile.email, nickname: profile.nickname, roles: [...profile.roles] };
  }
}
