export interface LogInCommand {
  readonly email: string;
  readonly password: string;
}
