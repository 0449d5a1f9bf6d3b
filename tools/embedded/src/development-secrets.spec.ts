import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { developmentSecrets } from './development-secrets.js';

const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'shop-secrets-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const storedIn = (dir: string) => JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as Record<string, string>;

describe('developmentSecrets', () => {
  it('makes the three secrets once, long and distinct, in a file only its owner reads, in a private folder', () => {
    const dir = join(newDir(), 'data');
    const secrets = developmentSecrets(dir, {});
    expect(Object.keys(secrets).sort()).toEqual(['internalAuthSecret', 'jwtSecret', 'paymentWebhookSecret']);
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThanOrEqual(32);
    expect(new Set(Object.values(secrets)).size).toBe(3);
    expect(storedIn(dir)).toEqual(secrets);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Read again on the next start: the same secrets, so tokens and signed callbacks stay valid across restarts.
    expect(developmentSecrets(dir, {})).toEqual(secrets);
  });

  it('gives a secrets file from before the payment context a webhook secret, keeping the others', () => {
    const dir = newDir();
    const older = { jwtSecret: 'j'.repeat(64), internalAuthSecret: 'i'.repeat(64) };
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify(older), { mode: 0o600 });
    const secrets = developmentSecrets(dir, {});
    expect(secrets).toMatchObject(older);
    expect(secrets.paymentWebhookSecret.length).toBeGreaterThanOrEqual(32);
    expect(storedIn(dir)).toEqual(secrets);
    expect(developmentSecrets(dir, {}).paymentWebhookSecret).toBe(secrets.paymentWebhookSecret);
  });

  it('replaces a secret stored empty or not as text, and a file that is no JSON object', () => {
    const dir = newDir();
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ jwtSecret: 'j'.repeat(64), internalAuthSecret: '', paymentWebhookSecret: 42 }));
    const secrets = developmentSecrets(dir, {});
    expect(secrets.jwtSecret).toBe('j'.repeat(64));
    expect(secrets.internalAuthSecret.length).toBeGreaterThanOrEqual(32);
    expect(secrets.paymentWebhookSecret.length).toBeGreaterThanOrEqual(32);
    for (const text of ['null', '"a secret"', '[1]', 'not json']) {
      writeFileSync(join(dir, 'secrets.json'), text);
      const made = developmentSecrets(dir, {});
      expect(Object.values(made).every((value) => value.length >= 32)).toBe(true);
      expect(storedIn(dir)).toMatchObject(made);
    }
  });

  it('lets the environment win, without writing its values to the file', () => {
    const dir = newDir();
    const env = { JWT_SECRET: 'from-env-jwt', INTERNAL_AUTH_SECRET: 'from-env-internal', PAYMENT_WEBHOOK_SECRET: 'from-env-webhook' };
    expect(developmentSecrets(dir, env)).toEqual({
      jwtSecret: 'from-env-jwt',
      internalAuthSecret: 'from-env-internal',
      paymentWebhookSecret: 'from-env-webhook',
    });
    expect(Object.values(storedIn(dir))).not.toContain('from-env-webhook');
    expect(developmentSecrets(dir, { PAYMENT_WEBHOOK_SECRET: 'only-this' })).toMatchObject({
      paymentWebhookSecret: 'only-this',
      jwtSecret: storedIn(dir)['jwtSecret'],
    });
  });
});
