// Issue 8, hole 2: the admin seeding at start hands nothing to whoever registered the address
// first, and runs once per start.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAccessToken } from '@shop/auth';
import { createLogger } from '@shop/observability';
import { Cleanups } from '@shop/testing';
import { startUserService } from '../src/main.js';
import { UserServiceHome, testUserConfig } from './support/user-service-harness.js';
import { TEST_JWT_SECRET } from './support/user-test-database.js';

const operator = { email: 'Boss@Example.com', password: 'the operator passphrase' };
const attacker = { email: 'boss@example.com', password: 'the attacker passphrase' };

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<{ msg?: string; outcome?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as { msg?: string });
      done();
    },
  });
  return { logger: createLogger('user', { level: 'info' }, sink), lines };
}

describe('seeding the admin at start (embedded: SQLite + memory)', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('refuses to start when SHOP_ADMIN_EMAIL (in another letter case) belongs to an account that is not admin', async () => {
    const home = await UserServiceHome.create('sqlite+memory', cleanups);
    const before = await home.start();
    await before.api.register(attacker);
    await before.close();

    await expect(home.start(testUserConfig(operator))).rejects.toThrow(
      /SHOP_ADMIN_EMAIL refused: the address 'Boss@Example.com' belongs to an existing account .* that is not an administrator; not starting/,
    );

    // Nothing changed: the attacker's account is still a customer with the attacker's password.
    const after = await home.start();
    const token = await verifyAccessToken((await after.api.logIn(attacker)).accessToken, TEST_JWT_SECRET);
    expect(token.roles).toEqual(['customer']);
    expect((await after.api.viaGateway('POST', '/auth/login', { body: { email: operator.email, password: operator.password } })).status).toBe(401);
    expect(await home.count('users')).toBe(1);
  });

  it('runs the seeding once per start; a restart finds the admin "already present" and keeps its password', async () => {
    const home = await UserServiceHome.create('sqlite+memory', cleanups);
    const starts = [capturingLogger(), capturingLogger()];
    for (const { logger } of starts) {
      const running = await startUserService({ ...home.runtime(), logger }, testUserConfig(operator));
      await running.close();
    }

    // One line per start (the lifecycle hooks used to run twice: once for HTTP, once for the event consumer).
    const seedingLines = starts.map(({ lines }) => lines.filter((line) => line.msg?.startsWith('administrator account')));
    expect(seedingLines.map((lines) => lines.length)).toEqual([1, 1]);
    expect(seedingLines.flat()).toMatchObject([
      { outcome: 'created', msg: 'administrator account created' },
      { outcome: 'unchanged', msg: 'administrator account already present' },
    ]);

    const again = await home.start(testUserConfig({ ...operator, password: 'a password changed in the configuration' }));
    const token = await verifyAccessToken((await again.api.logIn(operator)).accessToken, TEST_JWT_SECRET);
    expect(token.roles).toEqual(['customer', 'admin']);
  });
});
