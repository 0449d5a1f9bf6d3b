import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@shop/runtime';
import { loadUserConfig } from './user.config.js';

const secret = 's'.repeat(32);

describe('loadUserConfig', () => {
  it('needs only JWT_SECRET; tokens last an hour and no admin is seeded by default', () => {
    expect(loadUserConfig({ JWT_SECRET: secret })).toEqual({ accessTokens: { secret, expiresInSeconds: 3600 }, admin: null });
  });

  it('reads the token lifetime and the admin account', () => {
    expect(
      loadUserConfig({ JWT_SECRET: secret, JWT_EXPIRES_IN_SECONDS: '900', SHOP_ADMIN_EMAIL: ' root@shop.example ', SHOP_ADMIN_PASSWORD: ' pass phrase ' }),
    ).toEqual({ accessTokens: { secret, expiresInSeconds: 900 }, admin: { email: 'root@shop.example', password: ' pass phrase ' } });
  });

  it('lists every problem at once, by variable, without echoing the values', () => {
    try {
      loadUserConfig({ JWT_SECRET: 'short', JWT_EXPIRES_IN_SECONDS: '1h', SHOP_ADMIN_EMAIL: 'root@shop.example' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const { problems, message } = error as ConfigurationError;
      expect(problems.map((problem) => problem.variable)).toEqual(['JWT_SECRET', 'JWT_EXPIRES_IN_SECONDS', 'SHOP_ADMIN_PASSWORD']);
      expect(problems[0]!.problem).toContain('at least 32 bytes');
      expect(problems[2]!.problem).toContain('SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD must be set together');
      expect(message).not.toContain('short');
      expect(message).not.toContain('1h');
    }
  });

  it('takes empty admin variables as unset (docker-compose passes them empty)', () => {
    expect(loadUserConfig({ JWT_SECRET: secret, SHOP_ADMIN_EMAIL: '', SHOP_ADMIN_PASSWORD: '' }).admin).toBeNull();
  });

  it.each(['0', '-5', '1.5', 'abc'])('refuses JWT_EXPIRES_IN_SECONDS=%j', (value) => {
    expect(() => loadUserConfig({ JWT_SECRET: secret, JWT_EXPIRES_IN_SECONDS: value })).toThrow(/JWT_EXPIRES_IN_SECONDS/);
  });
});
