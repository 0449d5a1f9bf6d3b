import { describe, expect, it } from 'vitest';
import { intBetween } from './config-validators.js';
import { ConfigurationError, loadConfig } from './load-config.js';

function problemsOf(load: () => unknown): ConfigurationError['problems'] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

describe('intBetween', () => {
  const spec = { BATCH_SIZE: intBetween(1, 10_000)({ default: 500, desc: 'rows per run' }) };

  it.each([
    ['1', 1],
    ['500', 500],
    ['10000', 10_000],
  ])('reads %j as %d', (input, value) => {
    expect(loadConfig(spec, { BATCH_SIZE: input }).BATCH_SIZE).toBe(value);
  });

  it('defaults when unset', () => {
    expect(loadConfig(spec, {}).BATCH_SIZE).toBe(500);
  });

  it.each(['0', '10001', '-1', '1.5', '1e3', '0x10', '007', ' 5', 'five', ''])('refuses %j, saying the range and not the value', (input) => {
    expect(problemsOf(() => loadConfig(spec, { BATCH_SIZE: input }))).toEqual([
      { variable: 'BATCH_SIZE', problem: 'invalid; expected an integer from 1 to 10000 (rows per run)' },
    ]);
  });

  it('takes 0 as its lower bound', () => {
    const zeroUp = { LIMIT: intBetween(0, 3)() };
    expect(loadConfig(zeroUp, { LIMIT: '0' }).LIMIT).toBe(0);
    expect(problemsOf(() => loadConfig(zeroUp, { LIMIT: '4' }))).toEqual([{ variable: 'LIMIT', problem: 'invalid; expected an integer from 0 to 3' }]);
  });

  it.each([
    [5, 4],
    [-1, 3],
    [1, 1.5],
    [0, Number.MAX_SAFE_INTEGER + 1],
  ])('is refused as intBetween(%d, %d): a bound no input could meet is a programming error', (min, max) => {
    expect(() => intBetween(min, max)).toThrow(RangeError);
  });
});
