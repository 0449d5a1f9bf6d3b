import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  CONTEXTS,
  HTTP_ROUTES,
  Type,
  bodySchemasOf,
  couponContext,
  orderContext,
  paymentContext,
  pointsContext,
  schemaNameOf,
  userContext,
  type ContextDefinition,
} from '@shop/contracts';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi-document.js';
import { CatalogItem, aCatalogContext } from './testing/catalog-context.mother.js';

const document = openApiDocument(CONTEXTS, '1.0.0') as Record<string, any>;

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes every route of CONTEXTS with its security and its answers', () => {
    expect(HTTP_ROUTES.length).toBeGreaterThan(0);
    const operations = Object.values(document['paths']).flatMap((path) => Object.values(path as object)) as { operationId: string }[];
    expect(operations.map((operation) => operation.operationId)).toEqual(expect.arrayContaining(HTTP_ROUTES.map((route) => route.operationId)));
    for (const route of HTTP_ROUTES) {
      const operation = document['paths'][route.path][route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.security).toEqual(route.access === 'anonymous' ? [] : [{ bearerAuth: [] }]);
      for (const status of ['429', '503', '504', ...Object.keys(route.responses)]) expect(operation.responses[status], `${route.path} ${status}`).toBeDefined();
      if (route.access !== 'anonymous') expect(operation.responses['401']).toBeDefined();
      expect(operation.responses['403'] !== undefined, `${route.path} 403`).toBe(route.access === 'admin');
      if (route.requestBody) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '413']));
    }
  });

  it('resolves every $ref', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const path = ref.slice('"$ref":"#/'.length, -1).split('/');
      const target = path.reduce<any>((node, key) => node?.[key], document);
      expect(target, ref).toBeDefined();
    }
  });

  it('carries schemas that compile as JSON Schema 2020-12 (the dialect of OpenAPI 3.1)', () => {
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    for (const [name, schema] of Object.entries(document['components']['schemas'])) {
      expect(() => ajv.compile(schema as object), name).not.toThrow();
    }
    const problem = ajv.compile(document['components']['schemas']['Problem']);
    expect(problem({ type: 'urn:shop:problem:RATE_LIMITED', title: 'Too Many Requests', status: 429, detail: 'slow down', code: 'RATE_LIMITED' })).toBe(true);
    expect(problem({ status: 429 })).toBe(false);
  });

  it("carries each body schema of the contracts as the component its title names, and each context's tags", () => {
    for (const schema of HTTP_ROUTES.flatMap(bodySchemasOf)) expect(document['components']['schemas'][schemaNameOf(schema)]).toBe(schema);
    expect(Object.keys(document['components']['schemas'])).toEqual(
      expect.arrayContaining(['RegisterRequest', 'RegisterResponse', 'LoginRequest', 'LoginResponse', 'MeResponse']),
    );
    expect(JSON.parse(JSON.stringify(document['components']['schemas']['RegisterRequest']))).toEqual({
      title: 'RegisterRequest',
      type: 'object',
      additionalProperties: false,
      required: ['email', 'password'],
      properties: {
        email: { type: 'string', minLength: 3, maxLength: 254 },
        password: { type: 'string', minLength: 8, maxLength: 128 },
        nickname: { type: 'string', minLength: 1, maxLength: 64 },
      },
    });
    const tags = document['tags'].map((tag: { name: string }) => tag.name);
    expect(tags).toEqual([...CONTEXTS.flatMap((context) => Object.keys(context.tags)), 'operations']);
    expect(tags.slice(0, 2)).toEqual(['auth', 'users']);
  });

  it("documents a new context's routes, schemas and tags from its definition alone", async () => {
    const catalog = aCatalogContext();
    const withCatalog = openApiDocument([userContext, catalog], '1.0.0') as Record<string, any>;
    const operation = withCatalog['paths']['/items/{itemId}']['get'];
    expect(operation).toMatchObject({ operationId: 'getItem', tags: ['catalog'], security: [{ bearerAuth: [] }] });
    expect(operation.parameters).toEqual([{ name: 'itemId', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(operation.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CatalogItem' });
    expect(withCatalog['components']['schemas']['CatalogItem']).toBe(CatalogItem);
    expect(withCatalog['tags']).toContainEqual({ name: 'catalog', description: 'The catalog' });
    expect((await new Validator().validate(withCatalog)).valid).toBe(true);
  });

  it('documents an admin route with the bearer token, 401 and 403, and a route query as its query parameters', async () => {
    const ItemsQuery = Type.Object(
      { status: Type.Optional(Type.Enum(['LISTED', 'HIDDEN'])), limit: Type.String({ pattern: '^[0-9]+$', description: 'How many, at most' }) },
      { title: 'CatalogItemsQuery', additionalProperties: false },
    );
    const catalog = aCatalogContext({
      hide: { operationId: 'hideItem', method: 'POST', path: '/admin/items/{itemId}/hide', access: 'admin' },
      list: {
        operationId: 'listItems',
        method: 'GET',
        path: '/items',
        query: ItemsQuery,
        responses: { 200: { description: 'The items', schema: Type.Array(CatalogItem, { title: 'CatalogItemList' }) } },
      },
    });
    const withCatalog = openApiDocument([userContext, catalog], '1.0.0') as Record<string, any>;
    const hide = withCatalog['paths']['/admin/items/{itemId}/hide']['post'];
    expect(hide.security).toEqual([{ bearerAuth: [] }]);
    expect(hide.responses['401']).toEqual({ $ref: '#/components/responses/Unauthenticated' });
    expect(hide.responses['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
    expect(Object.keys(hide.responses)).toEqual(['200', '401', '403', '429', '503', '504']);
    expect(withCatalog['components']['responses']['Forbidden'].description).toContain('`FORBIDDEN`');
    expect(withCatalog['components']['responses']['Forbidden'].content).toEqual({
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    });

    const list = withCatalog['paths']['/items']['get'];
    expect(list.responses['403']).toBeUndefined();
    expect(list.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
    expect(list.parameters).toEqual([
      { name: 'status', in: 'query', required: false, schema: { enum: ['LISTED', 'HIDDEN'] } },
      { name: 'limit', in: 'query', required: true, description: 'How many, at most', schema: { type: 'string', pattern: '^[0-9]+$' } },
    ]);
    expect(withCatalog['components']['schemas']['CatalogItemsQuery']).toBeUndefined();
    expect((await new Validator().validate(withCatalog)).valid).toBe(true);
  });

  it('documents the coupon routes validly, registered or not yet: admin ones with 403, `GET /me/coupons` with its query', async () => {
    const contexts: readonly ContextDefinition[] = CONTEXTS;
    const withCoupon = openApiDocument(contexts.some((context) => context.name === 'coupon') ? contexts : [...contexts, couponContext], '1.0.0') as Record<
      string,
      any
    >;
    const result = await new Validator().validate(withCoupon);
    expect(result.errors).toBeUndefined();
    expect(withCoupon['paths']['/admin/coupon-templates']['post'].responses['403']).toBeDefined();
    expect(withCoupon['paths']['/admin/coupon-templates/{templateId}/pause']['post'].responses['403']).toBeDefined();
    expect(withCoupon['paths']['/coupon-templates/{templateId}/claim']['post'].responses['403']).toBeUndefined();
    expect(withCoupon['paths']['/me/coupons']['get'].parameters.map((parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`)).toEqual([
      'query status',
      'query limit',
    ]);
    for (const schema of couponContext.routes.flatMap(bodySchemasOf)) expect(withCoupon['components']['schemas'][schemaNameOf(schema)]).toBe(schema);
  });

  it('documents the points routes: `GET /me/points/ledger` with its query and the next-page headers', async () => {
    const contexts: readonly ContextDefinition[] = CONTEXTS;
    const withPoints = openApiDocument(contexts.some((context) => context.name === 'points') ? contexts : [...contexts, pointsContext], '1.0.0') as Record<
      string,
      any
    >;
    expect((await new Validator().validate(withPoints)).errors).toBeUndefined();
    expect(withPoints['tags']).toContainEqual({ name: 'points', description: 'Points balance and ledger' });
    expect(withPoints['paths']['/me/points']['get']).toMatchObject({ operationId: 'getMyPoints', tags: ['points'], security: [{ bearerAuth: [] }] });
    const ledger = withPoints['paths']['/me/points/ledger']['get'];
    expect(ledger.parameters.map((parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`)).toEqual(['query cursor', 'query limit']);
    expect(Object.keys(ledger.responses)).toEqual(['200', '400', '401', '429', '503', '504']);
    expect(Object.keys(ledger.responses['200'].headers)).toEqual(['x-correlation-id', 'next-cursor', 'link']);
    expect(ledger.responses['200'].headers['link']).toEqual({ description: expect.stringContaining('rel="next"'), schema: { type: 'string' } });
    expect(ledger.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PointsLedgerPage' });
    for (const schema of pointsContext.routes.flatMap(bodySchemasOf)) expect(withPoints['components']['schemas'][schemaNameOf(schema)]).toBe(schema);
  });

  it('documents the payment routes: the anonymous, signed callback with its signature header, the admin list with its status filter', async () => {
    const document = openApiDocument(CONTEXTS, '1.0.0') as Record<string, any>;
    expect((await new Validator().validate(document)).errors).toBeUndefined();
    expect(document['tags']).toEqual(
      expect.arrayContaining([
        { name: 'payments', description: 'Paying for orders' },
        { name: 'payment-admin', description: 'Payments and refunds, for admins' },
      ]),
    );
    const callback = document['paths']['/payments/callback']['post'];
    expect(callback).toMatchObject({ operationId: 'receivePaymentCallback', tags: ['payments'], security: [] });
    expect(callback.parameters).toEqual([
      { name: 'payment-signature', in: 'header', required: true, description: expect.stringContaining('exact bytes'), schema: { type: 'string' } },
    ]);
    expect(callback.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ProviderCallback' });
    expect(Object.keys(callback.responses)).toEqual(['200', '400', '401', '404', '413', '422', '429', '503', '504']);
    // Its 401 is the signature's, not the access token's.
    expect(callback.responses['401'].description).toContain('INVALID_SIGNATURE');
    const create = document['paths']['/payments']['post'];
    expect(create).toMatchObject({ operationId: 'createPayment', security: [{ bearerAuth: [] }] });
    expect(create.parameters).toBeUndefined();
    // No 503 of its own: a provider that fails makes the attempt FAILED (201); only the gateway's shared 503 is left.
    expect(create.responses['201'].description).toContain('PROVIDER_ERROR');
    expect(JSON.stringify(create.responses)).not.toContain('PROVIDER_UNAVAILABLE');
    const list = document['paths']['/admin/payments']['get'];
    expect(list.parameters.map((parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`)).toEqual([
      'query cursor',
      'query limit',
      'query status',
    ]);
    expect(list.responses['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
    for (const schema of paymentContext.routes.flatMap(bodySchemasOf)) expect(document['components']['schemas'][schemaNameOf(schema)]).toBe(schema);
    // Only the signed route has a header parameter.
    const headerParameters = Object.values(document['paths'])
      .flatMap((path) => Object.values(path as Record<string, { parameters?: { in: string }[] }>))
      .flatMap((operation) => operation.parameters ?? [])
      .filter((parameter) => parameter.in === 'header');
    expect(headerParameters).toHaveLength(1);
  });

  it('documents the order routes: the catalog, placing with 202, the paged lists with their headers, admin steps with 403', async () => {
    const document = openApiDocument(CONTEXTS, '1.0.0') as Record<string, any>;
    expect((await new Validator().validate(document)).errors).toBeUndefined();
    for (const tag of ['catalog', 'orders', 'order-admin']) expect(document['tags'].map((t: { name: string }) => t.name)).toContain(tag);
    const place = document['paths']['/orders']['post'];
    expect(place).toMatchObject({ operationId: 'placeOrder', tags: ['orders'], security: [{ bearerAuth: [] }] });
    expect(place.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PlaceOrderRequest' });
    expect(place.responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PlaceOrderResponse' });
    expect(Object.keys(place.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '422']));
    for (const [path, method] of [
      ['/orders', 'get'],
      ['/products', 'get'],
      ['/admin/products', 'get'],
    ] as const) {
      const list = document['paths'][path][method];
      expect(
        list.parameters.map((parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`),
        path,
      ).toEqual(['query cursor', 'query limit']);
      expect(Object.keys(list.responses['200'].headers), path).toEqual(['x-correlation-id', 'next-cursor', 'link']);
    }
    expect(document['paths']['/admin/products']['post'].responses['403']).toBeDefined();
    expect(document['paths']['/admin/products/{sku}']['patch'].responses['403']).toBeDefined();
    expect(document['paths']['/admin/orders/{orderId}/ship']['post'].responses['403']).toBeDefined();
    expect(document['paths']['/orders/{orderId}/cancel']['post'].responses['403']).toBeUndefined();
    expect(document['paths']['/products']['get'].responses['403']).toBeUndefined();
    for (const schema of orderContext.routes.flatMap(bodySchemasOf)) expect(document['components']['schemas'][schemaNameOf(schema)]).toBe(schema);
  });

  it("lists the gateway's own documents and reference page, with no token", () => {
    expect(document['paths']['/openapi.json']['get']).toMatchObject({ operationId: 'getOpenApi', security: [] });
    expect(document['paths']['/asyncapi.json']['get']).toMatchObject({ operationId: 'getAsyncApi', security: [], tags: ['operations'] });
    expect(document['paths']['/docs']['get']).toMatchObject({ operationId: 'getApiReference', security: [], tags: ['operations'] });
    expect(Object.keys(document['paths']['/docs']['get'].responses['200'].content)).toEqual(['text/html']);
  });

  it("refuses a context's schema titled like one of the gateway's own", () => {
    const clash = aCatalogContext({
      x: { operationId: 'x', method: 'GET', path: '/x', responses: { 200: { description: 'd', schema: Type.Object({}, { title: 'Problem' }) } } },
    });
    expect(() => openApiDocument([clash], '1.0.0')).toThrow("titled 'Problem'");
  });
});
