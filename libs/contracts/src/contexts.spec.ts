import { PASSWORD_POLICY } from '@shop/shared-kernel';
import Type from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { GATEWAY_PORT, defineContext, defineContexts } from './context.js';
import { CONTEXTS, CONTEXT_NAMES, HTTP_ROUTES } from './contexts.js';
import { defineEvent, eventOf, type PayloadOf } from './envelope.js';
import { bodySchemasOf, schemaNameOf } from './http-route.js';
import { AWAITED_EVENTS } from './awaited-events.js';
import { couponContext } from './coupon/coupon.context.js';
import { pointsContext } from './points/points.context.js';
import { orderContext } from './order/order.context.js';
import { OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundRequestedV1, OrderRefundedV1 } from './order/order.events.js';
import { paymentContext } from './payment/payment.context.js';
import { PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from './payment/payment.events.js';
import { PAYMENT_SIGNATURE_HEADER } from './payment/payment.http.js';
import { publishedLanguage } from './published-language.js';
import { schemaCheck } from './schema-check.js';
import { LoginRequest, MeResponse, RegisterRequest, USER_ROUTES } from './user/user.http.js';
import { UserRegisteredV1 } from './user/user.events.js';

const route = { operationId: 'listThings', method: 'GET', path: '/things', access: 'user', tag: 'things', summary: 'Things', responses: {} } as const;

describe('the contexts', () => {
  it('are the user, order, coupon, points and payment contexts: their names, default ports, events and routes', () => {
    expect(CONTEXT_NAMES).toEqual(['user', 'order', 'coupon', 'points', 'payment']);
    expect(CONTEXTS.map((context) => [context.name, context.port])).toEqual([
      ['user', 3001],
      ['order', 3002],
      ['coupon', 3003],
      ['points', 3004],
      ['payment', 3005],
    ]);
    expect(publishedLanguage).toEqual([UserRegisteredV1, ...orderContext.events, ...couponContext.events, ...pointsContext.events, ...paymentContext.events]);
    expect(orderContext.events).toEqual([OrderPlacedV1, OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1, OrderRefundedV1]);
    expect(paymentContext.events).toEqual([PaymentSucceededV1, PaymentFailedV1, PaymentRefundedV1]);
    expect(AWAITED_EVENTS).toEqual([]);
    expect(HTTP_ROUTES.map((r) => `${r.service} ${r.method} ${r.path}`)).toEqual([
      'user POST /auth/register',
      'user POST /auth/login',
      'user GET /me',
      ...orderContext.routes.map((r) => `order ${r.method} ${r.path}`),
      ...couponContext.routes.map((r) => `coupon ${r.method} ${r.path}`),
      'points GET /me/points',
      'points GET /me/points/ledger',
      ...paymentContext.routes.map((r) => `payment ${r.method} ${r.path}`),
    ]);
    // One route of the platform has its body signed by its sender: the gateway passes those bytes on as they came.
    expect(HTTP_ROUTES.filter((r) => r.signedBody).map((r) => [r.operationId, r.access, r.signedBody?.headers])).toEqual([
      ['receivePaymentCallback', 'anonymous', [PAYMENT_SIGNATURE_HEADER]],
    ]);
  });

  it('carry schemas that ajv compiles in strict mode, formats included', () => {
    const events = publishedLanguage;
    const routes = HTTP_ROUTES;
    const schemas = [...events.map((event) => event.schema), ...routes.flatMap(bodySchemasOf), ...routes.flatMap((r) => (r.query ? [r.query] : []))];
    expect(schemas.length).toBeGreaterThanOrEqual(20);
    for (const schema of new Set(schemas)) expect(() => schemaCheck(schema), JSON.stringify(schema)).not.toThrow();
    const registered = schemaCheck(UserRegisteredV1.schema);
    const payload: UserRegisteredV1 = { userId: crypto.randomUUID(), email: 'a@example.com', nickname: null, registeredAt: new Date().toISOString() };
    expect(registered(payload)).toBe(true);
    expect(registered({ ...payload, email: 'not an email' })).toBe(false);
    expect(registered({ ...payload, registeredAt: 'yesterday' })).toBe(false);
    expect(registered({ ...payload, userId: 'u-1' })).toBe(false);
  });

  it('publish the password bounds of the domain (PASSWORD_POLICY) in the register request', () => {
    const register = schemaCheck(RegisterRequest);
    const withPassword = (length: number) => ({ email: 'a@example.com', password: 'p'.repeat(length) });
    expect(register(withPassword(PASSWORD_POLICY.minLength))).toBe(true);
    expect(register(withPassword(PASSWORD_POLICY.maxLength))).toBe(true);
    expect(register(withPassword(PASSWORD_POLICY.minLength - 1))).toBe(false);
    expect(register(withPassword(PASSWORD_POLICY.maxLength + 1))).toBe(false);
    // Counted in characters, as the domain counts them: 128 emoji are 256 UTF-16 units.
    expect(register({ email: 'a@example.com', password: '🔑'.repeat(PASSWORD_POLICY.maxLength) })).toBe(true);
    const login = schemaCheck(LoginRequest);
    expect(login({ email: 'a@example.com', password: 'p'.repeat(PASSWORD_POLICY.maxLength + 1) })).toBe(false);
  });

  it('derive the static types from the schemas', () => {
    expectTypeOf<RegisterRequest>().toEqualTypeOf<{ email: string; password: string; nickname?: string }>();
    expectTypeOf<MeResponse>().toEqualTypeOf<{ userId: string; email: string; nickname: string | null; roles: ('customer' | 'admin')[] }>();
    expectTypeOf<UserRegisteredV1>().toEqualTypeOf<{ userId: string; email: string; nickname: string | null; registeredAt: string }>();
    expectTypeOf<PayloadOf<typeof UserRegisteredV1>>().toEqualTypeOf<UserRegisteredV1>();
  });

  it('check an outgoing payload against its contract at compile time', () => {
    const payload = { userId: 'u', email: 'e', nickname: null, registeredAt: 'now' };
    expect(eventOf(UserRegisteredV1, 'u', payload).type).toBe('user.registered.v1');
    // @ts-expect-error a missing field is a compile error
    eventOf(UserRegisteredV1, 'u', { userId: 'u', email: 'e', nickname: null });
    // @ts-expect-error so is a wrong type
    eventOf(UserRegisteredV1, 'u', { ...payload, nickname: 42 });
    // @ts-expect-error a hand-written JSON Schema is not a contract schema: its type would be kept by hand
    defineEvent('user.noted.v1', { type: 'object' });
  });
});

describe('defineContext', () => {
  it('gives each route its service and freezes the definition', () => {
    const things = defineContext({ name: 'things', port: 3009, routes: { list: route }, tags: { things: 'Things' } });
    expect(things.routes).toEqual([{ ...route, service: 'things' }]);
    expect(Object.isFrozen(things) && Object.isFrozen(things.routes) && Object.isFrozen(things.routes[0])).toBe(true);
    expect(defineContext({ name: 'bare', port: 3010 })).toEqual({ name: 'bare', port: 3010, events: [], routes: [], tags: {} });
  });

  it('takes a route with a query of string (or string choice) parameters and an admin route', () => {
    const query = Type.Object({ status: Type.Optional(Type.Enum(['A', 'B'])), limit: Type.Optional(Type.String()) }, { title: 'ThingsQuery' });
    const things = defineContext({ name: 'things', port: 3009, routes: { list: { ...route, access: 'admin', query } }, tags: { things: 'Things' } });
    expect(things.routes[0]).toMatchObject({ access: 'admin', query });
  });

  describe('a signedBody route', () => {
    const body = Type.Object({ id: Type.String() }, { title: 'ThingSigned' });
    const signed = (headers: readonly unknown[], change: object = {}) =>
      defineContext({
        name: 'things',
        port: 3009,
        tags: { things: 'T' },
        routes: {
          hook: {
            ...route,
            operationId: 'hook',
            method: 'POST',
            path: '/things/hook',
            access: 'anonymous',
            requestBody: body,
            signedBody: { headers },
            ...change,
          },
        },
      } as Parameters<typeof defineContext>[0]);

    it('keeps the header names it names, frozen, on its route', () => {
      const [hook] = signed(['payment-signature', 'x-provider-timestamp']).routes;
      expect(hook?.signedBody).toEqual({ headers: ['payment-signature', 'x-provider-timestamp'] });
      expect(Object.isFrozen(hook?.signedBody) && Object.isFrozen(hook?.signedBody?.headers)).toBe(true);
      expect(signed([]).routes[0]?.signedBody).toEqual({ headers: [] });
    });

    it('is not changed when the list it was given changes afterwards', () => {
      const headers = ['payment-signature'];
      const [hook] = signed(headers).routes;
      headers.push('authorization');
      expect(hook?.signedBody?.headers).toEqual(['payment-signature']);
    });

    it.each([
      ['a header in upper case', ['Payment-Signature'], `header "Payment-Signature" is not a lower-case header name`],
      ['a header with a space', ['payment signature'], 'header "payment signature" is not a lower-case header name'],
      ['a header with a colon', ['payment-signature:'], 'header "payment-signature:" is not a lower-case header name'],
      ['an empty header name', [''], 'header "" is not a lower-case header name'],
      ['a header name that is no string', [42], 'header 42 is not a lower-case header name'],
      ['the bearer token', ['authorization'], "header 'authorization' may never be passed on from the client"],
      ['a proxy credential', ['proxy-authorization'], "header 'proxy-authorization' may never"],
      ['the cookies', ['cookie'], "header 'cookie' may never"],
      ['the host', ['host'], "header 'host' may never"],
      ['the body length', ['content-length'], "header 'content-length' may never"],
      ['the transfer encoding', ['transfer-encoding'], "header 'transfer-encoding' may never"],
      ['a hop-by-hop header', ['connection'], "header 'connection' may never"],
      ['another hop-by-hop header', ['upgrade'], "header 'upgrade' may never"],
      ['te', ['te'], "header 'te' may never"],
      ['a forwarding header', ['x-forwarded-for'], "header 'x-forwarded-for' may never"],
      ['another forwarding header', ['x-forwarded-host'], "header 'x-forwarded-host' may never"],
      ['the standard forwarding header', ['forwarded'], "header 'forwarded' may never"],
      ['an internal header', ['x-internal-token'], "header 'x-internal-token' may never"],
      ["the gateway's internal token", ['x-shop-internal-token'], "header 'x-shop-internal-token' may never"],
      ['the correlation id', ['x-correlation-id'], "header 'x-correlation-id' may never"],
      ['the media type the gateway sets', ['content-type'], "header 'content-type' may never"],
      ['a content coding', ['content-encoding'], "header 'content-encoding' may never"],
      ['expect', ['expect'], "header 'expect' may never"],
      ['a header twice', ['payment-signature', 'payment-signature'], "header 'payment-signature' is listed twice"],
    ])('refuses %s', (_case, headers, problem) => {
      expect(() => signed(headers)).toThrow(`route 'hook': signedBody: ${problem}`);
    });

    it('refuses a route without a body to sign', () => {
      expect(() => signed(['payment-signature'], { requestBody: undefined })).toThrow("route 'hook': signedBody: the route takes no request body to sign");
      expect(() => signed(['payment-signature'], { method: 'GET' })).toThrow('takes no request body to sign');
    });

    it('refuses headers that are not a list', () => {
      expect(() => signed('payment-signature' as unknown as string[])).toThrow('signedBody: headers must be a list of header names');
    });
  });

  it.each([
    [{ name: 'Things', port: 3009 }, "invalid name 'Things'"],
    [{ name: 'my-things', port: 3009 }, "invalid name 'my-things'"],
    [{ name: 'gateway', port: 3009 }, "invalid name 'gateway'"],
    [{ name: 'runtime', port: 3009 }, "invalid name 'runtime'"],
    [{ name: 'things', port: GATEWAY_PORT }, 'invalid port 3000'],
    [{ name: 'things', port: 70_000 }, 'invalid port 70000'],
    [{ name: 'things', port: 3009, events: [UserRegisteredV1] }, "publishes 'user.registered.v1', which is not named 'things.<event>.v<n>'"],
    [{ name: 'things', port: 3009, routes: { list: route } }, "route 'list': tag 'things' is not in the context's tags"],
    [{ name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, path: '/things/:id' } } }, "path '/things/:id' must be"],
    [{ name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, path: '/things/../x' } } }, "path '/things/../x' must be"],
    [{ name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, method: 'TRACE' } } }, "unknown method 'TRACE'"],
    [{ name: 'things', port: 3009, tags: { things: 'T' }, routes: { a: route, b: route } }, "operationId 'listThings' is used twice"],
    [
      { name: 'things', port: 3009, tags: { things: 'T' }, routes: { add: { ...route, method: 'POST', requestBody: Type.Object({ name: Type.String() }) } } },
      'a body schema needs a title',
    ],
    [{ name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, access: 'owner' } } }, "unknown access 'owner'"],
    [
      { name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, query: Type.Object({ limit: Type.String() }) } } },
      "route 'list': query: a body schema needs a title",
    ],
    [
      {
        name: 'things',
        port: 3009,
        tags: { things: 'T' },
        routes: { list: { ...route, query: Type.Object({ limit: Type.Integer() }, { title: 'ThingsQuery' }) } },
      },
      "route 'list': query parameter 'limit' must be a string (or a choice of strings)",
    ],
    [
      { name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, query: Type.String({ title: 'ThingsQuery' }) } } },
      "route 'list': query: must be an object schema",
    ],
    [
      {
        name: 'things',
        port: 3009,
        tags: { things: 'T' },
        routes: { list: { ...route, credentials: { accountField: 'email', failureCode: 'INVALID_CREDENTIALS' } } },
      },
      "credentials.accountField 'email' is not a string property of the request body",
    ],
    [
      { name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, path: '/health/{check}' } } },
      "would take over the gateway's own '/health'",
    ],
    [{ name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, path: '/metrics' } } }, "would take over the gateway's own '/metrics'"],
    [
      { name: 'things', port: 3009, tags: { things: 'T' }, routes: { list: { ...route, path: '/openapi.json' } } },
      "would take over the gateway's own '/openapi.json'",
    ],
  ])('refuses %j', (spec, problem) => {
    expect(() => defineContext(spec as Parameters<typeof defineContext>[0])).toThrow(problem);
  });
});

describe('defineContexts', () => {
  const things = defineContext({ name: 'things', port: 3009, routes: { list: route }, tags: { things: 'Things' } });
  const user = CONTEXTS[0];

  it('keeps a valid list as it is', () => {
    expect(defineContexts([user, things])).toEqual([user, things]);
    // Different methods, or different lengths, never match the same request.
    const distinct = defineContext({
      name: 'distinct',
      port: 3012,
      routes: {
        get: { ...route, operationId: 'getOne', path: '/things/{id}' },
        put: { ...route, operationId: 'putOne', method: 'PUT', path: '/things/mine' },
        sub: { ...route, operationId: 'getSub', path: '/things/{id}/parts' },
      },
      tags: { things: 'T' },
    });
    expect(defineContexts([distinct])).toEqual([distinct]);
  });

  it.each([
    ['a name twice', [things, defineContext({ name: 'things', port: 3010 })], 'name "things" is taken'],
    ['a port twice', [user, defineContext({ name: 'stuff', port: 3001 })], "port 3001 is taken by 'user' and 'stuff'"],
    [
      'an operationId twice',
      [things, defineContext({ name: 'stuff', port: 3010, routes: { list: { ...route, path: '/stuff' } }, tags: { things: 'T' } })],
      'operationId "listThings"',
    ],
    [
      'a method and path twice',
      [
        defineContext({ name: 'a', port: 3010, routes: { get: { ...route, path: '/x/{id}' } }, tags: { things: 'T' } }),
        defineContext({ name: 'b', port: 3011, routes: { get: { ...route, operationId: 'other', path: '/x/{xId}' } }, tags: { things: 'T' } }),
      ],
      'route "GET /x/{}" is taken',
    ],
    [
      'a parameter route that would take a literal one’s requests (and its access rule)',
      [
        defineContext({
          name: 'a',
          port: 3010,
          routes: {
            one: { ...route, operationId: 'one', path: '/things/{id}' },
            mine: { ...route, operationId: 'mine', path: '/things/mine', access: 'user' },
          },
          tags: { things: 'T' },
        }),
      ],
      "routes GET /things/{id} ('a') and /things/mine ('a') match the same requests",
    ],
    [
      'two schemas with one title',
      [
        user,
        defineContext({
          name: 'stuff',
          port: 3010,
          routes: { add: { ...route, operationId: 'add', method: 'POST', path: '/stuff', requestBody: Type.Object({}, { title: 'RegisterRequest' }) } },
          tags: { things: 'T' },
        }),
      ],
      "two different body schemas are titled 'RegisterRequest'",
    ],
  ])('refuses %s', (_case, contexts, problem) => {
    expect(() => defineContexts(contexts)).toThrow(problem);
  });

  it('names every schema of the table after its title', () => {
    expect(bodySchemasOf(USER_ROUTES.register).map(schemaNameOf)).toEqual(['RegisterRequest', 'RegisterResponse']);
  });
});
