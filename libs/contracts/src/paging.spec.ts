import { describe, expect, it } from 'vitest';
import { PAGED_HEADERS, PAGED_SUMMARY, badListQuery, decimalRangePattern, pagedListQuery } from './paging.js';
import { schemaCheck } from './schema-check.js';

describe('decimalRangePattern', () => {
  it('spells the bounds the routes use as they were written by hand', () => {
    expect(decimalRangePattern(100)).toBe('^(?:[1-9]|[1-9][0-9]|100)$');
    expect(decimalRangePattern(200)).toBe('^(?:[1-9]|[1-9][0-9]|1[0-9]{2}|200)$');
  });

  it.each([1, 5, 9, 10, 42, 99, 100, 101, 150, 200, 250, 999, 1000, 1234])('matches exactly the plain decimals 1 to %i', (max) => {
    const pattern = new RegExp(decimalRangePattern(max));
    for (let n = 0; n <= 1500; n++) expect(pattern.test(String(n)), `${n} against ${max}`).toBe(n >= 1 && n <= max);
    for (const text of ['', '01', '-1', '+1', '1.0', '1e1', ' 1', '1 ', '0x1', '１']) expect(pattern.test(text), text).toBe(false);
  });

  it('refuses a bound that is no page size', () => {
    for (const max of [0, -1, 1.5, Number.NaN]) expect(() => decimalRangePattern(max)).toThrow();
  });
});

describe('pagedListQuery', () => {
  const query = schemaCheck(pagedListQuery('SomeListQuery', { max: 30, default: 10 }, 8));

  it('takes a cursor of the base64url alphabet up to its length and a limit within the bound, as text', () => {
    expect(query({})).toBe(true);
    expect(query({ cursor: 'Ab-_0123', limit: '30' })).toBe(true);
    for (const cursor of ['', 'x'.repeat(9), 'a=', 'a+b', 'a/b']) expect(query({ cursor }), cursor).toBe(false);
    for (const limit of ['0', '31', '01', 30]) expect(query({ limit }), String(limit)).toBe(false);
    expect(query({ page: '2' })).toBe(false);
  });
});

describe('the paged routes’ wording', () => {
  it('names both headers, says the Link is relative, and bounds the limit in the 400', () => {
    expect(Object.keys(PAGED_HEADERS)).toEqual(['next-cursor', 'link']);
    expect(PAGED_SUMMARY).toContain('(relative)');
    expect(badListQuery({ max: 200, default: 50 }).description).toContain('outside 1-200');
  });
});
