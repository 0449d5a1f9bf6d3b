import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevelopmentSecrets {
  readonly jwtSecret: string;
  readonly internalAuthSecret: string;
}

/**
 * `npm start` and `npm run start:services` need no setup, so they make their own secrets on first
 * start and keep them in the data folder: tokens issued before a restart stay valid after it, and
 * every process of `start:services` shares them. `JWT_SECRET` and `INTERNAL_AUTH_SECRET` in the
 * environment win; production sets its own.
 */
export function developmentSecrets(dataDir: string, env: NodeJS.ProcessEnv): DevelopmentSecrets {
  const file = join(dataDir, 'secrets.json');
  let stored: Partial<DevelopmentSecrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevelopmentSecrets>;
  } catch {
    // Created first here, before any database: 0700 as @shop/persistence's ensurePrivateFolder makes it
    // (chmod, since mkdir's mode is subject to the umask); a folder that existed keeps its mode.
    if (mkdirSync(dataDir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dataDir, 0o700);
    stored = { jwtSecret: randomBytes(48).toString('base64url'), internalAuthSecret: randomBytes(48).toString('base64url') };
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return {
    jwtSecret: env['JWT_SECRET'] ?? stored.jwtSecret!,
    internalAuthSecret: env['INTERNAL_AUTH_SECRET'] ?? stored.internalAuthSecret!,
  };
}
