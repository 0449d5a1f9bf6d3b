import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevelopmentSecrets {
  readonly jwtSecret: string;
  readonly internalAuthSecret: string;
  /** Signs the payment provider's callbacks (the sandbox's, in development). */
  readonly paymentWebhookSecret: string;
}

const GENERATED: readonly (keyof DevelopmentSecrets)[] = ['jwtSecret', 'internalAuthSecret', 'paymentWebhookSecret'];

const generated = () => randomBytes(48).toString('base64url');

/**
 * `npm start` and `npm run start:services` need no setup, so they make their own secrets on first
 * start and keep them in the data folder: tokens issued before a restart stay valid after it, and
 * every process of `start:services` shares them. A secrets file from before a secret existed gains it
 * (the others kept as they are). `JWT_SECRET`, `INTERNAL_AUTH_SECRET` and `PAYMENT_WEBHOOK_SECRET` in
 * the environment win; production sets its own.
 */
export function developmentSecrets(dataDir: string, env: NodeJS.ProcessEnv): DevelopmentSecrets {
  const file = join(dataDir, 'secrets.json');
  let stored: Partial<Record<keyof DevelopmentSecrets, unknown>> = {};
  let found = true;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    stored = parsed !== null && typeof parsed === 'object' ? (parsed as Partial<Record<keyof DevelopmentSecrets, unknown>>) : {};
  } catch {
    found = false;
    stored = {};
  }
  const missing = GENERATED.filter((key) => typeof stored[key] !== 'string' || stored[key] === '');
  if (missing.length > 0) {
    if (!found) {
      // Created first here, before any database: 0700 as @shop/persistence's ensurePrivateFolder makes it
      // (chmod, since mkdir's mode is subject to the umask); a folder that existed keeps its mode.
      if (mkdirSync(dataDir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dataDir, 0o700);
    }
    stored = { ...stored, ...Object.fromEntries(missing.map((key) => [key, generated()])) };
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  const secret = (key: keyof DevelopmentSecrets) => stored[key] as string;
  return {
    jwtSecret: env['JWT_SECRET'] ?? secret('jwtSecret'),
    internalAuthSecret: env['INTERNAL_AUTH_SECRET'] ?? secret('internalAuthSecret'),
    paymentWebhookSecret: env['PAYMENT_WEBHOOK_SECRET'] ?? secret('paymentWebhookSecret'),
  };
}
