import type { SeedAdminCommand } from '../application/commands/seed-admin/seed-admin.command.js';
import { ConfigurationError, loadConfig, positiveInt, secret, str, type ConfigProblem } from '@shop/runtime';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, type AccessTokenSettings } from './security/jose-access-token.issuer.js';

export interface UserConfig {
  readonly accessTokens: AccessTokenSettings;
  /** The administrator to make sure of at start; null unless both variables are set. */
  readonly admin: SeedAdminCommand | null;
}

const userSpec = () => ({
  // `secret` asks for 32 bytes, ACCESS_TOKEN_SECRET_MIN_BYTES of @shop/auth.
  JWT_SECRET: secret({ desc: 'signs the access tokens; e.g. `openssl rand -base64 48`' }),
  JWT_EXPIRES_IN_SECONDS: positiveInt({ default: DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, desc: 'access token lifetime in seconds' }),
  // Empty counts as unset: docker-compose passes `${SHOP_ADMIN_EMAIL:-}`.
  SHOP_ADMIN_EMAIL: str({ default: '', desc: 'the administrator to make sure of at start, with SHOP_ADMIN_PASSWORD' }),
  SHOP_ADMIN_PASSWORD: str({ default: '', desc: 'the administrator password, with SHOP_ADMIN_EMAIL' }),
});

/**
 * Reads the user context's variables with the platform's config loader, as the gateway does:
 * `JWT_SECRET` (required, ≥ 32 bytes), `JWT_EXPIRES_IN_SECONDS` (default 3600),
 * `SHOP_ADMIN_EMAIL` + `SHOP_ADMIN_PASSWORD` (both or neither). Throws one `ConfigurationError`
 * naming every bad variable.
 */
export function loadUserConfig(env: NodeJS.ProcessEnv = process.env): UserConfig {
  const problems: ConfigProblem[] = [];
  let config: ReturnType<typeof loadConfig<ReturnType<typeof userSpec>>> | undefined;
  try {
    config = loadConfig(userSpec(), env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
  }

  const adminEmail = env['SHOP_ADMIN_EMAIL']?.trim() || undefined;
  const adminPassword = env['SHOP_ADMIN_PASSWORD'] || undefined;
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    problems.push({
      variable: adminEmail === undefined ? 'SHOP_ADMIN_EMAIL' : 'SHOP_ADMIN_PASSWORD',
      problem: 'missing; SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD must be set together (or neither)',
    });
  }

  if (problems.length > 0 || !config) throw new ConfigurationError(problems);
  return {
    // Both are validated and required or defaulted; the validators' types do not say so.
    accessTokens: { secret: config.JWT_SECRET as string, expiresInSeconds: config.JWT_EXPIRES_IN_SECONDS as number },
    admin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : null,
  };
}
