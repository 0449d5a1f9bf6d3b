import type { SeedAdminCommand } from '../application/commands/seed-admin/seed-admin.command.js';
import { ACCESS_TOKEN_SECRET_MIN_BYTES } from '@shop/auth';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, type AccessTokenSettings } from './security/jose-access-token.issuer.js';

export interface UserConfig {
  readonly accessTokens: AccessTokenSettings;
  /** The administrator to make sure of at start; null unless both variables are set. */
  readonly admin: SeedAdminCommand | null;
}

/** Thrown at start with every problem of the configuration at once. */
export class UserConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the user service's configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'UserConfigError';
  }
}

/**
 * Reads the user context's variables:
 * `JWT_SECRET` (required, ≥ 32 bytes), `JWT_EXPIRES_IN_SECONDS` (default 3600),
 * `SHOP_ADMIN_EMAIL` + `SHOP_ADMIN_PASSWORD` (both or neither).
 */
export function loadUserConfig(env: Readonly<Record<string, string | undefined>> = process.env): UserConfig {
  const problems: string[] = [];

  const secret = env['JWT_SECRET'] ?? '';
  if (new TextEncoder().encode(secret).byteLength < ACCESS_TOKEN_SECRET_MIN_BYTES) {
    problems.push(`JWT_SECRET must be set to at least ${ACCESS_TOKEN_SECRET_MIN_BYTES} bytes (e.g. \`openssl rand -base64 48\`)`);
  }

  const rawLifetime = env['JWT_EXPIRES_IN_SECONDS']?.trim();
  const expiresInSeconds = rawLifetime ? Number(rawLifetime) : DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS;
  if (!/^[1-9][0-9]*$/.test(rawLifetime ?? '1') || !Number.isSafeInteger(expiresInSeconds)) {
    problems.push(`JWT_EXPIRES_IN_SECONDS must be a whole number of seconds above 0, got '${rawLifetime}'`);
  }

  const adminEmail = env['SHOP_ADMIN_EMAIL']?.trim() || undefined;
  const adminPassword = env['SHOP_ADMIN_PASSWORD'] || undefined;
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    problems.push('SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD must be set together (or neither)');
  }

  if (problems.length > 0) throw new UserConfigError(problems);
  return {
    accessTokens: { secret, expiresInSeconds },
    admin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : null,
  };
}
