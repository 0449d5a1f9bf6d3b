import { describe, expect, it } from 'vitest';
import { UserConfigError, loadUserConfig } from './user.config.js';

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

  it('lists every problem at once', () => {
    try {
      loadUserConfig({ JWT_SECRET: 'short', JWT_EXPIRES_IN_SECONDS: '1h', SHOP_ADMIN_EMAIL: 'root@shop.example' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserConfigError);
      expect((error as UserConfigError).problems).toEqual([
        expect.stringContaining('JWT_SECRET'),
        expect.stringContaining('JWT_EXPIRES_IN_SECONDS'),
        expect.stringContaining('SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD'),
      ]);
    }
  });

  it.each(['0', '-5', '1.5', 'abc'])('refuses JWT_EXPIRES_IN_SECONDS=%j', (value) => {
    expect(() => loadUserConfig({ JWT_SECRET: secret, JWT_EXPIRES_IN_SECONDS: value })).toThrow(/JWT_EXPIRES_IN_SECONDS/);
  });
});
