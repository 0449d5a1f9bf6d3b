// A context the gateway has never heard of: its routes are served, guarded, limited, measured and
// documented from its definition alone (a `defineContext` in a list), with no gateway code for it.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userContext } from '@shop/contracts';
import { INTERNAL_TOKEN_HEADER, InternalTokenVerifier, type Identity } from '@shop/http';
import { silentLogger } from '@shop/observability';
import type { RunningService } from '@shop/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogItem, NewCatalogItem, aCatalogContext } from '../src/interface/openapi/testing/catalog-context.mother.js';
import { gatewayConfigFromEnv, startGateway, type GatewayConfig } from '../src/main.js';
import { INTERNAL_AUTH_SECRET, JWT_SECRET, accessToken } from './support/access-tokens.js';
import { FakeUserService } from './support/fake-user-service.js';
import { METRICS_TOKEN, json, withMetricsToken } from './support/test-gateway.js';

const catalogContext = aCatalogContext({
  item: { operationId: 'getCatalogItem', method: 'GET', path: '/catalog/items/{itemId}' },
  hideItem: {
    operationId: 'hideCatalogItem',
    method: 'POST',
    path: '/catalog/items/{itemId}/hide',
    access: 'admin',
    responses: { 201: { description: 'The item', schema: CatalogItem } },
  },
  addItem: {
    operationId: 'addCatalogItem',
    method: 'POST',
    path: '/catalog/items',
    access: 'anonymous',
    requestBody: NewCatalogItem,
    responses: { 201: { description: 'The item', schema: CatalogItem } },
  },
});

interface CatalogCall {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly identity: Identity | undefined;
}

const verifiedOrUndefined = <T>(verify: () => T): T | undefined => {
  try {
    return verify();
  } catch {
    return undefined;
  }
};

/** The catalog service: answers only calls bearing the gateway's internal token, and records them. */
async function startCatalogService(): Promise<{ url: string; calls: CatalogCall[]; server: Server }> {
  const verifier = new InternalTokenVerifier(INTERNAL_AUTH_SECRET, 'catalog');
  const calls: CatalogCall[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const token = request.headers[INTERNAL_TOKEN_HEADER];
      const verified =
        typeof token === 'string' ? verifiedOrUndefined(() => verifier.verify(token, { method: request.method ?? '', path: request.url ?? '' })) : undefined;
      if (!verified) {
        response.writeHead(401).end();
        return;
      }
      calls.push({ method: request.method ?? '', path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8'), identity: verified.identity });
      response.writeHead(request.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ itemId: request.url?.split('/').pop() ?? '', name: 'tea' }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of running.splice(0).reverse()) await close();
});

async function gatewayWithCatalog(config: Partial<GatewayConfig> = {}) {
  const user = await new FakeUserService(INTERNAL_AUTH_SECRET).start();
  running.push(() => user.stop());
  const catalog = await startCatalogService();
  running.push(() => new Promise((resolve) => catalog.server.close(resolve)));
  const gateway: RunningService = await startGateway({
    host: '127.0.0.1',
    port: 0,
    jwtSecret: JWT_SECRET,
    internalAuthSecret: INTERNAL_AUTH_SECRET,
    rateLimitPerMinute: 0,
    serviceUrls: { user: user.url, catalog: catalog.url },
    contexts: [userContext, catalogContext],
    metricsToken: METRICS_TOKEN,
    logger: silentLogger(),
    ...config,
  });
  running.push(() => gateway.close());
  return { api: `${gateway.url}/api/v1`, catalog, user };
}

describe('a context defined outside the gateway', () => {
  it('has its routes served: path parameters, the verified caller, the body', async () => {
    const { api, catalog } = await gatewayWithCatalog();
    const userId = randomUUID();
    const response = await fetch(`${api}/catalog/items/tea%2F1?lang=zh`, { headers: { authorization: `Bearer ${await accessToken(userId)}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ itemId: 'tea%2F1?lang=zh', name: 'tea' });
    expect(catalog.calls).toEqual([{ method: 'GET', path: '/catalog/items/tea%2F1?lang=zh', body: '', identity: { userId, roles: ['customer'] } }]);

    const added = await fetch(`${api}/catalog/items`, json({ name: 'tea' }));
    expect(added.status).toBe(201);
    expect(catalog.calls[1]).toEqual({ method: 'POST', path: '/catalog/items', body: '{"name":"tea"}', identity: undefined });
  });

  it('has its routes guarded and limited like every other', async () => {
    const { api, catalog } = await gatewayWithCatalog({ rateLimitPerMinute: 2 });
    const refused = await fetch(`${api}/catalog/items/tea`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const forged = await fetch(`${api}/catalog/items/tea`, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(forged.status).toBe(401);
    expect((await fetch(`${api}/catalog/items/tea`)).status).toBe(429);
    expect(catalog.calls).toHaveLength(0);
  });

  it('has its admin routes refused without a token (401) and with a token lacking the admin role (403), never forwarded', async () => {
    const { api, catalog } = await gatewayWithCatalog();
    const anonymous = await fetch(`${api}/catalog/items/tea/hide`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const customer = await fetch(`${api}/catalog/items/tea/hide`, { method: 'POST', headers: { authorization: `Bearer ${await accessToken()}` } });
    expect(customer.status).toBe(403);
    expect(customer.headers.get('content-type')).toContain('application/problem+json');
    expect(await customer.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(catalog.calls).toHaveLength(0);

    const adminId = randomUUID();
    const asAdmin = await fetch(`${api}/catalog/items/tea/hide`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await accessToken(adminId, { claims: { roles: ['customer', 'admin'] } })}` },
    });
    expect(asAdmin.status).toBe(201);
    expect(catalog.calls).toEqual([{ method: 'POST', path: '/catalog/items/tea/hide', body: '', identity: { userId: adminId, roles: ['customer', 'admin'] } }]);
  });

  it('answers 404 for what its table does not have, without calling it', async () => {
    const { api, catalog } = await gatewayWithCatalog();
    expect((await fetch(`${api}/catalog/items`)).status).toBe(404);
    expect((await fetch(`${api}/catalog/items/a/b`, { headers: { authorization: `Bearer ${await accessToken()}` } })).status).toBe(404);
    expect(catalog.calls).toHaveLength(0);
  });

  it('has its routes documented, and measured under their templates and its name', async () => {
    const { api } = await gatewayWithCatalog();
    const document = (await (await fetch(`${api}/openapi.json`)).json()) as Record<string, any>;
    expect(document['paths']['/catalog/items/{itemId}']['get']).toMatchObject({ operationId: 'getCatalogItem', security: [{ bearerAuth: [] }] });
    expect(document['paths']['/catalog/items']['post']['requestBody']['content']['application/json']['schema']).toEqual({
      $ref: '#/components/schemas/NewCatalogItem',
    });
    expect(document['components']['schemas']['CatalogItem']).toMatchObject({ title: 'CatalogItem', type: 'object' });
    expect(document['paths']['/me']).toBeDefined();
    expect(document['paths']['/catalog/items/{itemId}/hide']['post']).toMatchObject({ security: [{ bearerAuth: [] }] });
    expect(document['paths']['/catalog/items/{itemId}/hide']['post']['responses']['403']).toEqual({ $ref: '#/components/responses/Forbidden' });

    await fetch(`${api}/catalog/items/tea`, { headers: { authorization: `Bearer ${await accessToken()}` } });
    const metrics = await (await fetch(`${api}/metrics`, withMetricsToken)).text();
    expect(metrics).toContain('shop_gateway_http_requests_total{method="GET",route="/api/v1/catalog/items/:itemId",status="200",service="gateway"} 1');
    expect(metrics).toContain('shop_gateway_service_calls_total{upstream="catalog",outcome="answered",service="gateway"} 1');
  });

  it('refuses to start without a URL for one of its contexts', async () => {
    await expect(
      startGateway({
        host: '127.0.0.1',
        port: 0,
        jwtSecret: JWT_SECRET,
        internalAuthSecret: INTERNAL_AUTH_SECRET,
        rateLimitPerMinute: 0,
        serviceUrls: { user: 'http://127.0.0.1:1' },
        contexts: [userContext, catalogContext],
        logger: silentLogger(),
      }),
    ).rejects.toThrow('the gateway has no service URL for: catalog');
  });

  it('reads its <NAME>_SERVICE_URL, by default on its own port', () => {
    const secrets = { JWT_SECRET, INTERNAL_AUTH_SECRET };
    expect(gatewayConfigFromEnv(secrets, [userContext, catalogContext]).serviceUrls).toEqual({
      user: 'http://127.0.0.1:3001',
      catalog: 'http://127.0.0.1:3099',
    });
    expect(gatewayConfigFromEnv({ ...secrets, CATALOG_SERVICE_URL: 'http://catalog:8080' }, [userContext, catalogContext]).serviceUrls['catalog']).toBe(
      'http://catalog:8080',
    );
  });
});
