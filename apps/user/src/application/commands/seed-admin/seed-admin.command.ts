/** The administrator account the service makes sure of at start (SHOP_ADMIN_EMAIL / SHOP_ADMIN_PASSWORD). */
export interface SeedAdminCommand {
  readonly email: string;
  readonly password: string;
}

export interface SeededAdmin {
  readonly userId: string;
  /** `created`: a new account; `unchanged`: the admin already was there (its password untouched). */
  readonly outcome: 'created' | 'unchanged';
}
