import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EmbeddedSecrets {
  readonly jwtSecret: string;
  readonly internalAuthSecret: string;
}

/**
 * The embedded mode needs no setup, so it makes its own secrets on first start and keeps them in
 * the data folder: tokens issued before a restart stay valid after it. `JWT_SECRET` and
 * `INTERNAL_AUTH_SECRET` in the environment win.
 */
export function embeddedSecrets(dataDir: string, env: NodeJS.ProcessEnv): EmbeddedSecrets {
  const file = join(dataDir, 'secrets.json');
  let stored: Partial<EmbeddedSecrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedSecrets>;
  } catch {
    mkdirSync(dataDir, { recursive: true });
    stored = { jwtSecret: randomBytes(48).toString('base64url'), internalAuthSecret: randomBytes(48).toString('base64url') };
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return {
    jwtSecret: env['JWT_SECRET'] ?? stored.jwtSecret!,
    internalAuthSecret: env['INTERNAL_AUTH_SECRET'] ?? stored.internalAuthSecret!,
  };
}
