// Issue 8, item 5 (user service): blank passwords and invisible nicknames are refused with a field
// error and change nothing; the register and login answers are never cached.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cleanups } from '@shop/testing';
import { UserServiceHome, problemOf, type UserApi } from './support/user-service-harness.js';

const password = 'correct horse battery';
let sequence = 0;
const uniqueEmail = () => `blank-${Date.now()}-${++sequence}@shop.example`;

describe('the user service over HTTP (embedded: SQLite + memory)', () => {
  const cleanups = new Cleanups();
  let home: UserServiceHome;
  let api: UserApi;
  beforeAll(async () => {
    home = await UserServiceHome.create('sqlite+memory', cleanups);
    api = (await home.start()).api;
    return () => cleanups.run();
  });

  describe('refuses blank passwords and invisible nicknames: 400 problem+json naming the field, nothing stored', () => {
    afterEach(async () => {
      expect(await home.count('users')).toBe(0);
      expect(await home.count('outbox')).toBe(0);
    });

    it.each([
      ['eight spaces', ' '.repeat(8)],
      ['zero-width spaces', '\u200b'.repeat(8)],
      ['direction marks', '\u200e\u200f'.repeat(4)],
      ['word joiners and BOMs', '\u2060\ufeff'.repeat(4)],
      ['bidi overrides', '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069'],
    ])('a password of %s', async (_, blank) => {
      const response = await api.viaGateway('POST', '/auth/register', { body: { email: uniqueEmail(), password: blank } });
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({ status: 400, code: 'INVALID_VALUE', errors: [{ field: 'password' }] });
    });

    it.each([
      ['a zero-width space', '\u200b'],
      ['direction marks', '\u200e\u200f'],
      ['a name with a zero-width space in it', 'Ad\u200ba'],
      ['a name with a right-to-left override', 'Ada\u202eecalevol'],
      ['a word joiner', '\u2060'],
      ['a BOM before the name', '\ufeffAda'],
      ['a Hangul filler', '\u3164'],
      ['spaces only', '   '],
    ])('a nickname of %s', async (_, nickname) => {
      const response = await api.viaGateway('POST', '/auth/register', { body: { email: uniqueEmail(), password, nickname } });
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({ status: 400, code: 'INVALID_VALUE', errors: [{ field: 'nickname' }] });
    });
  });

  it('stores a nickname normalised to NFC', async () => {
    const registered = await api.register({ email: uniqueEmail(), password, nickname: ' Zoe\u0301 ' });
    expect(registered.nickname).toBe('Zo\u00e9');
  });

  it('answers register and login with Cache-Control: no-store', async () => {
    const email = uniqueEmail();
    const registered = await api.viaGateway('POST', '/auth/register', { body: { email, password } });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('cache-control')).toBe('no-store');

    const login = await api.viaGateway('POST', '/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
  });
});
