import type { Role } from '../../../domain/role.js';

export interface GetProfileQuery {
  readonly userId: string;
}

export interface UserProfile {
  readonly userId: string;
  readonly email: string;
  readonly nickname: string | null;
  readonly roles: readonly Role[];
}
