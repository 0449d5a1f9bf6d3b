import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The API reference page (`GET /api/v1/docs`): Swagger UI over `./openapi.json`, every file of it served
 * by the gateway from the `swagger-ui-dist` package (no CDN), and no inline script or style, so that
 * its Content Security Policy allows nothing but the gateway's own origin.
 */

/**
 * The page's policy, in place of the JSON answers' `default-src 'none'`: scripts, styles, images, fonts
 * and fetches (the documents, "Try it out") from this origin only; Swagger UI's stylesheet draws its
 * icons from `data:` images. Nothing inline, nothing framed, no form posts, no `<base>`.
 */
export const API_REFERENCE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page may change with the gateway: revalidated on every load (a 304 when unchanged), as the documents are. */
export const PAGE_CACHE_CONTROL = 'no-cache';
/** The assets change only with the package (or this file): an hour, then revalidated by their ETag. */
export const ASSET_CACHE_CONTROL = 'public, max-age=3600';

/** What the page loads, under `/api/v1/docs/` (relative to the page, so that a proxy's path prefix keeps working). */
const PAGE_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Shop platform API reference</title>
    <link rel="stylesheet" href="docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <noscript>This page needs JavaScript. The API is described by <a href="openapi.json">openapi.json</a>, its events by <a href="asyncapi.json">asyncapi.json</a>.</noscript>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/init.js"></script>
  </body>
</html>
`;

/**
 * Starts Swagger UI on the document next to the page. `validatorUrl: null`: its default sends the
 * document's URL to validator.swagger.io for a badge; the page makes no request outside this origin.
 */
const INIT_SCRIPT = `'use strict';
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: './openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    displayRequestDuration: true,
  });
});
`;

const HTML = 'text/html; charset=utf-8';
const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const PNG = 'image/png';

/** Each asset the page loads, by its name under `/api/v1/docs/`: a file of swagger-ui-dist, or our own text. */
const ASSETS: ReadonlyMap<string, { readonly contentType: string } & ({ readonly file: string } | { readonly text: string })> = new Map([
  ['swagger-ui.css', { contentType: CSS, file: 'swagger-ui.css' }],
  ['swagger-ui-bundle.js', { contentType: JAVASCRIPT, file: 'swagger-ui-bundle.js' }],
  ['favicon-32x32.png', { contentType: PNG, file: 'favicon-32x32.png' }],
  ['favicon-16x16.png', { contentType: PNG, file: 'favicon-16x16.png' }],
  ['init.js', { contentType: JAVASCRIPT, text: INIT_SCRIPT }],
]);

/** One answer body with its content type and a strong ETag of its bytes. */
export interface ReferenceFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const fileOf = (body: Buffer, contentType: string): ReferenceFile => ({
  body,
  contentType,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/** Where swagger-ui-dist is installed; throws at once (at the gateway's start) when it is not. */
export function swaggerUiDistDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * The page and its assets. The package's files are read when first asked for (most gateways never
 * serve the page) and kept; a name off the list is never a path: `asset('../x')` is simply unknown.
 */
export class ApiReference {
  readonly page: ReferenceFile = fileOf(Buffer.from(PAGE_HTML), HTML);
  private readonly loaded = new Map<string, Promise<ReferenceFile>>();

  constructor(private readonly packageDirectory: string = swaggerUiDistDirectory()) {}

  /** The asset named `name`, or undefined when the page has no such asset. */
  asset(name: string): Promise<ReferenceFile> | undefined {
    const entry = ASSETS.get(name);
    if (!entry) return undefined;
    let file = this.loaded.get(name);
    if (!file) {
      file =
        'text' in entry
          ? Promise.resolve(fileOf(Buffer.from(entry.text), entry.contentType))
          : readFile(join(this.packageDirectory, entry.file)).then((body) => fileOf(body, entry.contentType));
      // A failed read is tried again on the next request, not remembered.
      file.catch(() => this.loaded.delete(name));
      this.loaded.set(name, file);
    }
    return file;
  }

  /** The names the page may load, for tests. */
  static assetNames(): string[] {
    return [...ASSETS.keys()];
  }
}
