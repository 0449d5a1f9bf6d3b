// The API reference page in a real headless browser (Debian's /usr/bin/chromium through playwright-core):
// it renders every operation of the gateway's OpenAPI document with the request examples, with no console
// error, no Content Security Policy violation and no request leaving 127.0.0.1.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTEXTS } from '@shop/contracts';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

const CHROMIUM = '/usr/bin/chromium';
/** No sandbox (containers), no GPU, and none of the browser's own traffic (updates, sync, QUIC probes). */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Long enough for a slow CI machine to parse Swagger UI's 1.5 MB bundle; a deadline, not a measurement. */
const RENDER_DEADLINE_MS = 60_000;
const SCREENSHOTS = { page: join(tmpdir(), 'shop-api-reference.png'), placeOrder: join(tmpdir(), 'shop-api-reference-place-order.png') };
const NOBODY = 'http://127.0.0.1:9';

let t: TestGateway | undefined;
let browser: BrowserContext | undefined;
let userDataDir: string | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium; .ci/run does)`);
  // Every context's routes are documented; only the documents are asked for, so nothing answers behind them.
  t = await startTestGateway({
    contexts: CONTEXTS,
    serviceUrls: Object.fromEntries(CONTEXTS.filter((context) => context.name !== 'user').map((context) => [context.name, NOBODY])),
  });
  userDataDir = await mkdtemp(join(tmpdir(), 'shop-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await t?.close();
});

describe('the API reference page in Chromium', () => {
  it('renders every operation, with the request examples, without errors, policy violations or outside requests', async () => {
    const page = await browser!.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const requests: string[] = [];
    const failedRequests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    browser!.on('request', (request) => requests.push(request.url()));
    page.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    // Runs before the page's own scripts, outside its policy: collects every violation the page reports.
    await page.addInitScript({
      content:
        'window.cspViolations = []; document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(event.violatedDirective + " " + event.blockedURI));',
    });

    const response = await page.goto(`${t!.api}/docs`, { waitUntil: 'load', timeout: RENDER_DEADLINE_MS });
    expect(response?.status()).toBe(200);
    const placeOrder = page.locator('#operations-orders-placeOrder');
    await placeOrder.waitFor({ state: 'visible', timeout: RENDER_DEADLINE_MS });
    await expect.poll(() => placeOrder.locator('.opblock-summary-method').textContent()).toBe('POST');
    expect(await placeOrder.locator('.opblock-summary-path').getAttribute('data-path')).toBe('/orders');

    // Every operation of the document is on the page.
    const document = (await (await fetch(`${t!.api}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const operationIds = Object.values(document.paths).flatMap((path) => Object.values(path).map((operation) => operation.operationId));
    expect(operationIds.length).toBeGreaterThan(30);
    expect(await page.locator('.opblock').count()).toBe(operationIds.length);

    await page.screenshot({ path: SCREENSHOTS.page });

    // Opened, POST /orders shows its request example.
    await placeOrder.locator('.opblock-summary-control').click();
    await placeOrder.locator('.body-param__example, .highlight-code').first().waitFor({ state: 'visible', timeout: RENDER_DEADLINE_MS });
    expect(await placeOrder.textContent()).toContain('TEA-LONGJING-100G');

    await page.screenshot({ path: SCREENSHOTS.placeOrder });
    console.info(`API reference page screenshots: ${SCREENSHOTS.page}, ${SCREENSHOTS.placeOrder}`);

    const violations = (await page.evaluate('window.cspViolations')) as string[];
    expect(violations).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(requests.length).toBeGreaterThan(4);
    const origins = new Set(requests.map((url) => new URL(url).origin));
    expect([...origins]).toEqual([new URL(t!.api).origin]);
    expect(new URL(t!.api).hostname).toBe('127.0.0.1');
    // The page loaded the document it documents, and the assets from the gateway.
    expect(requests).toEqual(expect.arrayContaining([`${t!.api}/openapi.json`, `${t!.api}/docs/swagger-ui-bundle.js`, `${t!.api}/docs/init.js`]));
  });
});
