// The API reference page and the documents, served by a real gateway (no service behind it is called):
// the HTML, each asset and its content type, the Content Security Policy, caching, methods, unknown and
// path-traversing names, and that neither needs a token nor counts against the rate limit.
import { request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CONTEXTS, asyncApiDocument } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import type { RunningService } from '@shop/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type GatewayConfig } from './gateway.config.js';
import { API_REFERENCE_CSP, ApiReference, swaggerUiDistDirectory } from './interface/openapi/api-reference.js';
import { startGateway } from './main.js';

const NOBODY = 'http://127.0.0.1:9';
let gateway: RunningService;
let api: string;

/** A gateway whose services are nowhere: the documents and the page are its own. */
const startDocumentsGateway = (settings: Pick<GatewayConfig, 'rateLimitPerMinute' | 'apiDocs'>): Promise<RunningService> =>
  startGateway({
    host: '127.0.0.1',
    port: 0,
    jwtSecret: 'a-jwt-secret-of-at-least-32-bytes-for-tests',
    internalAuthSecret: 'an-internal-secret-of-at-least-32-bytes!',
    serviceUrls: Object.fromEntries(CONTEXTS.map((context) => [context.name, NOBODY])) as Record<string, string>,
    logger: silentLogger(),
    ...settings,
  });

beforeAll(async () => {
  // One request a minute: a forwarded route is refused from the second on; the documents never are.
  gateway = await startDocumentsGateway({ rateLimitPerMinute: 1 });
  api = `${gateway.url}/api/v1`;
});
afterAll(async () => {
  await gateway?.close();
});

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly bytes: Buffer;
}

/** A request with the path exactly as written (fetch would resolve `..` and `\` before sending). */
function raw(path: string, method = 'GET', headers: Record<string, string> = {}, base: string = gateway.url): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ hostname, port, path, method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: bytes.toString('utf8'), bytes });
      });
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** The same-origin files the HTML loads (`src` and `href`), relative to the page. */
const referencesOf = (html: string): string[] => [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map(([, reference]) => reference!);

describe('GET /api/v1/docs', () => {
  it('answers the HTML page with a strict policy: own-origin scripts, styles, images and fetches only, nothing inline', async () => {
    const response = await fetch(`${api}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toBe(API_REFERENCE_CSP);
    const directives = new Map(
      policy
        .split(';')
        .map((directive) => directive.trim().split(/\s+/) as [string, ...string[]])
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy).not.toMatch(/unsafe-|\*|https?:/);

    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    // Every script is a file of its own: none has a body, none is a handler attribute, no style is inline.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes]) => attributes!.trim())).toEqual(['src="docs/swagger-ui-bundle.js"', 'src="docs/init.js"']);
    for (const [, , body] of scripts) expect(body).toBe('');
    expect(html).not.toMatch(/\son\w+=|<style|\sstyle=|javascript:/i);
    // Everything it loads is relative to the page: no CDN.
    const references = referencesOf(html);
    expect(references.length).toBeGreaterThan(3);
    for (const reference of references) expect(reference).toMatch(/^(docs\/[\w.-]+|openapi\.json|asyncapi\.json)$/);
  });

  it('serves each file the page loads, with its content type, the policy and cache headers', async () => {
    const html = await (await fetch(`${api}/docs`)).text();
    const expected: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.png': 'image/png' };
    const assets = referencesOf(html).filter((reference) => reference.startsWith('docs/'));
    expect(assets.map((asset) => asset.slice('docs/'.length)).sort()).toEqual(ApiReference.assetNames().sort());
    for (const asset of assets) {
      const response = await fetch(new URL(asset, `${api}/docs`));
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('content-type'), asset).toBe(expected[asset.slice(asset.lastIndexOf('.'))]);
      expect(response.headers.get('content-security-policy'), asset).toBe(API_REFERENCE_CSP);
      expect(response.headers.get('cache-control'), asset).toBe('public, max-age=3600');
      expect(response.headers.get('etag'), asset).toMatch(/^"[\w-]+"$/);
      expect(response.headers.get('x-content-type-options'), asset).toBe('nosniff');
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
  });

  it("serves swagger-ui-dist's own bytes, and an init script that loads ./openapi.json with no outside validator", async () => {
    const directory = swaggerUiDistDirectory();
    for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']) {
      const served = Buffer.from(await (await fetch(`${api}/docs/${name}`)).arrayBuffer());
      expect(served.equals(await readFile(join(directory, name))), name).toBe(true);
    }
    const init = await (await fetch(`${api}/docs/init.js`)).text();
    expect(init).toContain("url: './openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect(init).not.toMatch(/https?:/);
  });

  it('answers 304 to a revalidation with the same ETag, the page and the assets alike', async () => {
    for (const path of ['docs', 'docs/swagger-ui.css', 'docs/init.js']) {
      // The same representation as the revalidation's (no Accept-Encoding: the bytes as they are).
      const etag = (await raw(`/api/v1/${path}`)).headers['etag'] as string;
      const again = await raw(`/api/v1/${path}`, 'GET', { 'if-none-match': `W/"other", ${etag}` });
      expect(again.status, path).toBe(304);
      expect(again.body, path).toBe('');
      expect(again.headers['etag'], path).toBe(etag);
      expect((await raw(`/api/v1/${path}`, 'GET', { 'if-none-match': '"something-else"' })).status, path).toBe(200);
    }
  });

  it('answers HEAD like GET, without the body', async () => {
    for (const path of ['docs', 'docs/swagger-ui.css']) {
      const get = await fetch(`${api}/${path}`);
      const head = await raw(`/api/v1/${path}`, 'HEAD');
      expect(head.status, path).toBe(200);
      expect(head.body, path).toBe('');
      expect(head.headers['content-type'], path).toBe(get.headers.get('content-type'));
      expect(head.headers['content-security-policy'], path).toBe(API_REFERENCE_CSP);
      expect(Number(head.headers['content-length']), path).toBe((await get.arrayBuffer()).byteLength);
    }
  });

  it('answers other methods as it does on /openapi.json: 404 problem+json', async () => {
    const documentAnswer = await fetch(`${api}/openapi.json`, { method: 'POST' });
    expect(documentAnswer.status).toBe(404);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['docs', 'docs/init.js']) {
        const response = await fetch(`${api}/${path}`, { method });
        expect(response.status, `${method} ${path}`).toBe(documentAnswer.status);
        expect(response.headers.get('content-type'), `${method} ${path}`).toContain('application/problem+json');
      }
    }
  });

  it('sends /docs/ to the page itself, relatively, keeping the query', async () => {
    const answer = await raw('/api/v1/docs/?a=1');
    expect(answer.status).toBe(301);
    expect(answer.headers['location']).toBe('../docs?a=1');
    expect(new URL(answer.headers['location'] as string, `${api}/docs/`).pathname).toBe('/api/v1/docs');
  });

  it.each([
    'nothing.js',
    'index.html',
    'swagger-initializer.js',
    'package.json',
    'swagger-ui-bundle.js.map',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    '..',
    '../openapi.json',
    '..%2Fopenapi.json',
    '%2e%2e',
    '%2e%2e/%2e%2e/package.json',
    '%2e%2e%2f%2e%2e%2fpackage.json',
    '..%2f..%2f..%2fpackage.json',
    '%252e%252e%252fpackage.json',
    '..\\..\\package.json',
    '..%5c..%5cpackage.json',
    '%5c..%5cpackage.json',
    '/etc/passwd',
    '%2Fetc%2Fpasswd',
    '%2fproc%2fself%2fenviron',
    'C:%5Cwindows%5Cwin.ini',
    'swagger-ui.css%00.js',
    'swagger-ui.css/..',
    './swagger-ui.css%2f..%2f..%2fpackage.json',
  ])('answers %s with a problem, never a file', async (name) => {
    const answer = await raw(`/api/v1/docs/${name}`);
    expect([400, 404], name).toContain(answer.status);
    expect(answer.headers['content-type'], name).toContain('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: answer.status });
    expect(answer.body).not.toMatch(/swagger-ui-dist|"dependencies"|root:|SwaggerUIBundle/);
  });
});

describe('compression', () => {
  it('sends the big text files gzip-compressed, once made, to a client that accepts gzip; the bytes as they are to one that does not', async () => {
    const directory = swaggerUiDistDirectory();
    for (const [path, original] of [
      ['docs/swagger-ui-bundle.js', await readFile(join(directory, 'swagger-ui-bundle.js'))],
      ['docs/swagger-ui.css', await readFile(join(directory, 'swagger-ui.css'))],
      ['openapi.json', Buffer.from(await (await fetch(`${api}/openapi.json`)).arrayBuffer())],
      ['asyncapi.json', Buffer.from(await (await fetch(`${api}/asyncapi.json`)).arrayBuffer())],
    ] as const) {
      const compressed = await raw(`/api/v1/${path}`, 'GET', { 'accept-encoding': 'br;q=1, gzip;q=0.8' });
      expect(compressed.status, path).toBe(200);
      expect(compressed.headers['content-encoding'], path).toBe('gzip');
      expect(compressed.headers['vary'], path).toMatch(/accept-encoding/i);
      expect(compressed.bytes.length, path).toBeLessThan(original.length / 3);
      expect(gunzipSync(compressed.bytes).equals(original), path).toBe(true);
      for (const acceptEncoding of [undefined, 'identity', 'gzip;q=0, deflate', 'br']) {
        const plain = await raw(`/api/v1/${path}`, 'GET', acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding });
        expect(plain.headers['content-encoding'], `${path} ${acceptEncoding}`).toBeUndefined();
        expect(plain.bytes.equals(original), `${path} ${acceptEncoding}`).toBe(true);
        // One ETag per representation: a cache revalidating one must not be sent the other.
        expect(plain.headers['etag'], `${path} ${acceptEncoding}`).not.toBe(compressed.headers['etag']);
      }
      const revalidated = await raw(`/api/v1/${path}`, 'GET', { 'accept-encoding': 'gzip', 'if-none-match': compressed.headers['etag'] as string });
      expect(revalidated.status, path).toBe(304);
    }
  });

  it('leaves the images and the small files as they are', async () => {
    for (const path of ['docs/favicon-32x32.png', 'docs/init.js']) {
      const answer = await raw(`/api/v1/${path}`, 'GET', { 'accept-encoding': 'gzip' });
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-encoding'], path).toBeUndefined();
    }
  });
});

describe('API_DOCS=off', () => {
  let closed: RunningService;

  beforeAll(async () => {
    closed = await startDocumentsGateway({ rateLimitPerMinute: 0, apiDocs: 'off' });
  });
  afterAll(async () => {
    await closed?.close();
  });

  it('mounts neither the reference page nor the events document: 404 problem+json, as for any unknown path', async () => {
    for (const path of ['docs', 'docs/', 'docs/init.js', 'docs/swagger-ui-bundle.js', 'asyncapi.json']) {
      const answer = await raw(`/api/v1/${path}`, 'GET', {}, closed.url);
      expect(answer.status, path).toBe(404);
      expect(answer.headers['content-type'], path).toContain('application/problem+json');
    }
  });

  it('still serves openapi.json, without the two routes it no longer has', async () => {
    const response = await fetch(`${closed.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/openapi.json');
    expect(Object.keys(document.paths)).not.toContain('/docs');
    expect(Object.keys(document.paths)).not.toContain('/asyncapi.json');
  });
});

describe('GET /api/v1/asyncapi.json', () => {
  it("answers the platform's AsyncAPI document as JSON, built from the contexts it mounts", async () => {
    const response = await fetch(`${api}/asyncapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(asyncApiDocument({ contexts: CONTEXTS, version: API_VERSION }))));
  });
});

describe('the documents and the page', () => {
  it('need no token and are never rate limited, while the forwarded routes are', async () => {
    // The limit is on: a forwarded route is counted (the second request from this address is refused).
    await fetch(`${api}/products`);
    expect((await fetch(`${api}/products`)).status).toBe(429);
    for (let round = 0; round < 3; round++) {
      for (const path of ['openapi.json', 'asyncapi.json', 'docs', 'docs/init.js', 'docs/swagger-ui.css']) {
        const response = await fetch(`${api}/${path}`);
        expect(response.status, path).toBe(200);
        await response.arrayBuffer();
      }
    }
  });
});
