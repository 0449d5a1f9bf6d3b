export interface RegisterUserCommand {
  readonly email: string;
  readonly password: string;
  readonly nickname?: string | null;
}

export interface RegisteredUser {
  readonly userId: string;
  readonly email: string;
  readonly nickname: string | null;
}
