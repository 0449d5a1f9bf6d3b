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
});
