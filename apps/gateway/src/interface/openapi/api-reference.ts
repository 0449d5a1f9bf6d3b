import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { staticFile, type StaticFile } from './static-file.js';

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

/** Where swagger-ui-dist is installed; throws at once (at the gateway's start) when it is not. */
export function swaggerUiDistDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * The page and its assets, read and compressed once when the gateway starts (`load`), then served
 * from memory; a name off the list is never a path: `asset('../x')` is simply unknown.
 */
export class ApiReference {
  private constructor(
    readonly page: StaticFile,
    private readonly assets: ReadonlyMap<string, StaticFile>,
  ) {}

  static async load(packageDirectory: string = swaggerUiDistDirectory()): Promise<ApiReference> {
    const assets = await Promise.all(
      [...ASSETS].map(async ([name, entry]) => {
        const body = 'text' in entry ? Buffer.from(entry.text) : await readFile(join(packageDirectory, entry.file));
        return [name, await staticFile(body, entry.contentType)] as const;
      }),
    );
    return new ApiReference(await staticFile(Buffer.from(PAGE_HTML), HTML), new Map(assets));
  }

  /** The asset named `name`, or undefined when the page has no such asset. */
  asset(name: string): StaticFile | undefined {
    return this.assets.get(name);
  }

  /** The names the page may load, for tests. */
  static assetNames(): string[] {
    return [...ASSETS.keys()];
  }
}
