import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { UserMother } from '../../../domain/testing/user.mother.js';
import { userApplicationFixture, type UserApplicationFixture } from '../../testing/user-application.fixture.js';
import { GetProfileHandler } from './get-profile.handler.js';

describe('GetProfileHandler', () => {
  let f: UserApplicationFixture;
  let getProfile: GetProfileHandler;
  beforeEach(() => {
    f = userApplicationFixture();
    getProfile = new GetProfileHandler(f.users);
  });

  it('shows id, e-mail, nickname and roles, and never the password hash', async () => {
    const ada = UserMother.stored({ email: 'Ada@Example.com', nickname: null, roles: ['customer'] });
    f.users.insert(ada);

    const profile = await getProfile.execute({ userId: ada.id });
    expect(profile).toEqual({ userId: ada.id, email: 'Ada@Example.com', nickname: null, roles: ['customer'] });
    expect(JSON.stringify(profile)).not.toContain('hashed');
  });

  it.each([newId(), 'not-a-uuid', ''])('answers USER_NOT_FOUND for %j', async (userId) => {
    await expect(getProfile.execute({ userId })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });
});
