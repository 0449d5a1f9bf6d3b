import { describe, expect, it } from 'vitest';
import { acceptsGzip, staticFile } from './static-file.js';

describe('acceptsGzip', () => {
  it.each([
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, GZIP;q=0.5', true],
    ['x-gzip', true],
    ['*', true],
    ['identity, *;q=0.1', true],
    [undefined, false],
    ['', false],
    ['identity', false],
    ['br, deflate', false],
    ['gzip;q=0', false],
    ['gzip;q=0.000', false],
    ['*;q=0', false],
    ['*, gzip;q=0', false],
    ['gzip;q=nonsense', false],
  ])('%s → %s', (header, accepted) => {
    expect(acceptsGzip(header)).toBe(accepted);
  });
});

describe('staticFile', () => {
  it('compresses text and JSON of 1 KiB or more, with an ETag of its own; leaves images and small files alone', async () => {
    const text = Buffer.from('the same line again\n'.repeat(200));
    for (const contentType of ['text/javascript; charset=utf-8', 'application/json; charset=utf-8']) {
      const file = await staticFile(text, contentType);
      expect(file.gzip?.body.length, contentType).toBeLessThan(text.length / 10);
      expect(file.gzip?.etag, contentType).not.toBe(file.identity.etag);
    }
    expect((await staticFile(text, 'image/png')).gzip).toBeUndefined();
    expect((await staticFile(Buffer.from('short'), 'text/css')).gzip).toBeUndefined();
  });
});
