import { describe, expect, it } from 'vitest';
import { setNextPageHeaders } from './next-page-headers.js';

/** A reply that keeps the headers set on it, as Fastify's would send them. */
function capturingReply() {
  const headers: Record<string, string> = {};
  const reply = {
    header(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return reply;
    },
  };
  return { reply: reply as never, headers };
}

describe('setNextPageHeaders', () => {
  it('names the next page by its cursor and as a relative Link keeping the page size', () => {
    const { reply, headers } = capturingReply();
    setNextPageHeaders(reply, 'MTIz_-x', 20);
    expect(headers).toEqual({ 'next-cursor': 'MTIz_-x', link: '<?cursor=MTIz_-x&limit=20>; rel="next"' });
  });

  it('sets nothing on the last page', () => {
    const { reply, headers } = capturingReply();
    setNextPageHeaders(reply, null, 20);
    expect(headers).toEqual({});
  });

  it('escapes what a URL query cannot carry as it is (a cursor is base64url, but the helper does not rely on it)', () => {
    const { reply, headers } = capturingReply();
    setNextPageHeaders(reply, 'a&b=c', 5);
    expect(headers['link']).toBe('<?cursor=a%26b%3Dc&limit=5>; rel="next"');
  });

  it('keeps the filters it is given, before the cursor and the limit, so that the next page lists what this one did', () => {
    const { reply, headers } = capturingReply();
    setNextPageHeaders(reply, 'MTIz', 20, { status: 'REFUNDING' });
    expect(headers).toEqual({ 'next-cursor': 'MTIz', link: '<?status=REFUNDING&cursor=MTIz&limit=20>; rel="next"' });
  });

  it('leaves out a filter that was not given, and escapes a filter’s value', () => {
    const { reply, headers } = capturingReply();
    setNextPageHeaders(reply, 'MTIz', 20, { status: undefined, q: 'a&limit=1' });
    expect(headers['link']).toBe('<?q=a%26limit%3D1&cursor=MTIz&limit=20>; rel="next"');
  });

  it('refuses a filter named cursor or limit: the page names its own', () => {
    const { reply } = capturingReply();
    expect(() => setNextPageHeaders(reply, 'MTIz', 20, { limit: '5' })).toThrow("'limit' is the page's own");
    expect(() => setNextPageHeaders(reply, 'MTIz', 20, { cursor: 'x' })).toThrow("'cursor' is the page's own");
  });
});
