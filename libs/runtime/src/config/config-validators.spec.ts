import { describe, expect, it } from 'vitest';
import { duration, httpUrl, intBetween, jobInterval, jobIntervalMs } from './config-validators.js';
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

describe('duration', () => {
  const spec = { TIMEOUT: duration(1_000, 3_600_000)({ default: 30_000, desc: 'how long to wait' }) };

  it.each([
    ['30000', 30_000],
    ['1000', 1_000],
    ['3600000', 3_600_000],
    ['1500ms', 1_500],
    ['1s', 1_000],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
  ])('reads %j as %d ms', (input, value) => {
    expect(loadConfig(spec, { TIMEOUT: input }).TIMEOUT).toBe(value);
  });

  it('defaults when unset', () => {
    expect(loadConfig(spec, {}).TIMEOUT).toBe(30_000);
  });

  it.each(['999', '999ms', '0s', '61m', '2h', '1.5s', '1e3', '-1s', '10 s', ' 10s', '10S', '10sec', '1d', '1m30s', 's', '007s', 'soon', ''])(
    'refuses %j, saying the range in its units and the forms it takes',
    (input) => {
      expect(problemsOf(() => loadConfig(spec, { TIMEOUT: input }))).toEqual([
        { variable: 'TIMEOUT', problem: 'invalid; expected a duration from 1s to 1h (an integer of ms, or <n>ms, <n>s, <n>m or <n>h) (how long to wait)' },
      ]);
    },
  );

  it('names bounds that are no whole unit in ms, and takes 0 as a lower bound', () => {
    const zeroUp = { DELAY: duration(0, 1_500)() };
    expect(loadConfig(zeroUp, { DELAY: '0' }).DELAY).toBe(0);
    expect(loadConfig(zeroUp, { DELAY: '0h' }).DELAY).toBe(0);
    expect(problemsOf(() => loadConfig(zeroUp, { DELAY: '2s' }))).toEqual([
      { variable: 'DELAY', problem: 'invalid; expected a duration from 0ms to 1500ms (an integer of ms, or <n>ms, <n>s, <n>m or <n>h)' },
    ]);
  });

  it('refuses a number of hours past the safe integers instead of rounding it', () => {
    const huge = { LONG: duration(0, Number.MAX_SAFE_INTEGER)() };
    expect(problemsOf(() => loadConfig(huge, { LONG: `${Number.MAX_SAFE_INTEGER}h` }))).toHaveLength(1);
  });

  it.each([
    [5, 4],
    [-1, 3],
    [1, 1.5],
  ])('is refused as duration(%d, %d): a bound no input could meet is a programming error', (min, max) => {
    expect(() => duration(min, max)).toThrow(RangeError);
  });
});

describe('jobInterval / jobIntervalMs', () => {
  const spec = { EVERY: jobInterval({ default: 30_000, desc: 'between runs' }), EVERY_MS: jobIntervalMs({ default: 1_000, desc: 'ms between runs' }) };

  it('read 50 ms up to 2^31 − 1 ms (Node’s longest timer); jobInterval also with a unit', () => {
    expect(loadConfig(spec, { EVERY: '50', EVERY_MS: '50' })).toMatchObject({ EVERY: 50, EVERY_MS: 50 });
    expect(loadConfig(spec, { EVERY: '15m', EVERY_MS: '2147483647' })).toMatchObject({ EVERY: 900_000, EVERY_MS: 2 ** 31 - 1 });
    expect(loadConfig(spec, {})).toMatchObject({ EVERY: 30_000, EVERY_MS: 1_000 });
  });

  it.each([
    ['EVERY', '49'],
    ['EVERY', '0'],
    ['EVERY', '2147483648'],
    ['EVERY', '25d'],
    ['EVERY_MS', '49'],
    ['EVERY_MS', '2147483648'],
    ['EVERY_MS', '1s'],
  ])('refuse %s=%j, naming the bounds', (variable, input) => {
    const [problem] = problemsOf(() => loadConfig(spec, { [variable]: input }));
    expect(problem?.variable).toBe(variable);
    expect(problem?.problem).toMatch(variable === 'EVERY' ? /from 50ms to 2147483647ms/ : /from 50 to 2147483647/);
  });
});

describe('httpUrl', () => {
  const spec = { CALLBACK_URL: httpUrl({ default: undefined, desc: 'where callbacks go' }) };

  it.each(['http://127.0.0.1:3000/api/v1/payments/callback', 'https://shop.example/cb?x=1', 'http://[::1]:8080/'])('reads %j as written', (input) => {
    expect(loadConfig(spec, { CALLBACK_URL: input }).CALLBACK_URL).toBe(input);
  });

  it('reads unset or empty (compose’s ${CALLBACK_URL:-}) as undefined', () => {
    expect(loadConfig(spec, {}).CALLBACK_URL).toBeUndefined();
    expect(loadConfig(spec, { CALLBACK_URL: '' }).CALLBACK_URL).toBeUndefined();
  });

  it.each([
    'ftp://example.com/cb',
    'file:///etc/passwd',
    'localhost:3000/cb',
    '127.0.0.1:3000',
    '/api/v1/payments/callback',
    'http://',
    'javascript:alert(1)',
    ' ',
  ])('refuses %j without echoing it', (input) => {
    const [problem] = problemsOf(() => loadConfig(spec, { CALLBACK_URL: input }));
    expect(problem).toEqual({
      variable: 'CALLBACK_URL',
      problem: 'invalid; expected an absolute http(s) URL such as http://127.0.0.1:3000/path (where callbacks go)',
    });
  });

  it('is required when it has no default', () => {
    expect(problemsOf(() => loadConfig({ URL: httpUrl() }, { URL: '' }))[0]?.problem).toMatch(/^missing; expected an absolute http\(s\) URL/);
  });
});
