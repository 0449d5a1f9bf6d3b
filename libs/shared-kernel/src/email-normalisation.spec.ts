import { describe, expect, it } from 'vitest';
import { normaliseEmail } from './email-normalisation.js';

describe('normaliseEmail', () => {
  it('trims and lower-cases, so that the spellings of one address name one account', () => {
    expect(normaliseEmail('  Ada@Example.COM\t')).toBe('ada@example.com');
    expect(normaliseEmail('ada@example.com')).toBe('ada@example.com');
  });
});
