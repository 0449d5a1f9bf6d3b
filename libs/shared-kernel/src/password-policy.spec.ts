import { describe, expect, it } from 'vitest';
import { PASSWORD_POLICY, hasVisibleCharacter, passwordPolicyProblem } from './password-policy.js';

describe('the password policy', () => {
  it('takes 8 to 128 characters of anything that shows something, spaces included', () => {
    expect(passwordPolicyProblem('correct horse')).toBeNull();
    expect(passwordPolicyProblem('🔑'.repeat(PASSWORD_POLICY.maxLength))).toBeNull();
    expect(passwordPolicyProblem('x'.repeat(7))).toMatch(/at least 8/);
    expect(passwordPolicyProblem('x'.repeat(129))).toMatch(/at most 128/);
  });

  it('refuses a blank password: only spaces, or only invisible or format characters', () => {
    for (const blank of [' '.repeat(8), '\u200b'.repeat(8), '\u200e\u200f'.repeat(4), '\ufeff'.repeat(8), '\u202e'.repeat(8), '\u3164'.repeat(8)]) {
      expect(passwordPolicyProblem(blank)).toMatch(/visible character/);
    }
  });

  it('tells visible text from blank text', () => {
    expect(hasVisibleCharacter('\u200b a')).toBe(true);
    expect(hasVisibleCharacter('\u200b \t\u2060\u00ad')).toBe(false);
  });
});
