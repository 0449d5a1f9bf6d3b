import { describe, expect, it } from 'vitest';
import { messageOf } from './error-message.js';

describe('messageOf', () => {
  it("is an error's message, without its name or stack", () => {
    expect(messageOf(new TypeError('socket hang up'))).toBe('socket hang up');
  });

  it("is the error's name when its message is empty", () => {
    expect(messageOf(new RangeError())).toBe('RangeError');
  });

  it('is anything else thrown as a string', () => {
    expect(messageOf('refused')).toBe('refused');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
    expect(messageOf({ toString: () => 'odd' })).toBe('odd');
  });
});
