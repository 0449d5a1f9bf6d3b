import Type from 'typebox';

/**
 * The pieces every paged list of the HTTP contract shares (points' ledger, order's catalog and orders):
 * the query (`cursor`, `limit`), the headers that name the next page, and how the routes word them. One
 * cursor is opaque (base64url, as `Next-Cursor` gave it); the body stays the contract's plain array.
 */

/**
 * The decimal spellings of the whole numbers 1 to `max`, no leading zero, no sign: a query string is text,
 * so a page size arrives as one of these (`^(?:[1-9]|[1-9][0-9]|100)$` for 100).
 */
export function decimalRangePattern(max: number): string {
  if (!Number.isSafeInteger(max) || max < 1) throw new Error(`a page size bound is a whole number ≥ 1, got ${max}`);
  const digits = String(max);
  const rest = (count: number) => (count === 0 ? '' : count === 1 ? '[0-9]' : `[0-9]{${count}}`);
  const range = (from: number, to: number) => (from === to ? String(from) : `[${from}-${to}]`);
  const alternatives: string[] = [];
  // Every number with fewer digits than max.
  for (let length = 1; length < digits.length; length++) alternatives.push(`[1-9]${rest(length - 1)}`);
  // Those of max's length below it: max's first i digits, a smaller digit, then any digits.
  for (let i = 0; i < digits.length; i++) {
    const lowest = i === 0 ? 1 : 0;
    const below = Number(digits[i]) - 1;
    if (below >= lowest) alternatives.push(`${digits.slice(0, i)}${range(lowest, below)}${rest(digits.length - i - 1)}`);
  }
  alternatives.push(digits);
  return `^(?:${alternatives.join('|')})$`;
}

/** A list's page size bounds: at most `max` items a page, `default` when the query gives no `limit`. */
export interface PageLimitBounds {
  readonly max: number;
  readonly default: number;
}

/**
 * A paged list's query, `?cursor=&limit=`: `limit` the decimal 1 to `bounds.max`, `cursor` the base64url
 * alphabet up to `maxCursorLength` characters (its service decodes it, 400 `INVALID_CURSOR` when it did
 * not give it). Unknown parameters are refused.
 */
export const pagedListQuery = (title: string, bounds: PageLimitBounds, maxCursorLength: number) =>
  Type.Object(
    {
      cursor: Type.Optional(Type.String({ pattern: `^[A-Za-z0-9_-]{1,${maxCursorLength}}$` })),
      limit: Type.Optional(Type.String({ pattern: decimalRangePattern(bounds.max) })),
    },
    { title, additionalProperties: false },
  );

/** How a paged route's summary says it pages (append to "… newest first, "). */
export const PAGED_SUMMARY =
  'a page at a time: when there is more, the answer carries `Next-Cursor` and `Link: <?cursor=…&limit=…>; rel="next"` (relative); the last page carries neither';

/** The headers of a paged list's 200 answer (the gateway's allowlist passes both back). */
export const PAGED_HEADERS = {
  'next-cursor': 'The opaque cursor of the next page (give it as `cursor`); absent on the last page',
  link: 'The next page as a relative reference, `<?cursor=…&limit=…>; rel="next"`; absent on the last page',
} as const;

/** A paged list's 400 answer. */
export const badListQuery = (bounds: PageLimitBounds) =>
  ({
    description: `\`VALIDATION_FAILED\`: a \`limit\` outside 1-${bounds.max}, a malformed \`cursor\`, or an unknown parameter; \`INVALID_CURSOR\`: a cursor this service did not give`,
    problem: true,
  }) as const;
