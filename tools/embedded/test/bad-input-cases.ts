import { createHmac, randomUUID } from 'node:crypto';
import type { BodySchema, HttpRoute } from '@shop/contracts';

/**
 * The rows of the bad-input battery (issue 8), made from the platform's route table: every route of
 * `HTTP_ROUTES` gets the path, query and header rows, and every route with a request body the body
 * rows, field by field from its schema. A new context's routes are covered by being listed in
 * `CONTEXTS`; a route whose body cannot be sampled from its schema alone names a sample in `SAMPLE_BODIES`.
 */

/** One request, byte for byte: the path below the gateway's origin, raw (never normalised), and the body's exact bytes. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface BadInputCase {
  readonly name: string;
  readonly request: RawRequest;
  /** The answer's status, or its inclusive range. */
  readonly status: number | readonly [number, number];
  /** The problem's `code`, when the case pins it down. */
  readonly code?: string;
}

/** What the cases need from the running platform. */
export interface BatteryContext {
  /** A valid access token of an existing account (an administrator's for the rows of admin routes). */
  readonly token: string;
  /** That account's credentials: the login sample signs in with them, so that a mutation accepted by mistake answers 200. */
  readonly account: { readonly email: string; readonly password: string };
  /**
   * The sku of an active product of the catalog: the order samples buy it, and a route's `{sku}` names it in
   * the body rows, so that a mutation accepted by mistake answers 2xx instead of 404.
   */
  readonly sku: string;
  /** The payment samples: an order of the account that awaits its payment (none started), and a pending payment of another. */
  readonly payment: PaymentSamples;
}

/** What the payment routes' samples name, so that a mutation accepted by mistake answers 2xx instead of 404. */
export interface PaymentSamples {
  /** An order of the account awaiting its payment, with no payment started: `POST /payments` takes it. */
  readonly payableOrderId: string;
  /** A PENDING payment of the account: `{paymentId}` in the sample path, and what the sample callback settles. */
  readonly paymentId: string;
  readonly providerPaymentId: string;
  readonly amount: number;
  /** The platform's `PAYMENT_WEBHOOK_SECRET`: the callback's rows are signed with it, so that each is refused for its body. */
  readonly webhookSecret: string;
}

export const API_PREFIX = '/api/v1';
const CLIENT_ERROR: readonly [number, number] = [400, 499];
const json = 'application/json';

/**
 * Bodies that pass every check of their route, when the schema alone cannot say what is valid (an
 * address, a password). A mutation of one of them that is accepted answers 2xx, which the battery refuses.
 */
const SAMPLE_BODIES: Readonly<Record<string, (context: BatteryContext) => Record<string, unknown>>> = {
  register: () => ({ email: 'battery-sample@example.com', password: 'correct horse battery', nickname: 'Battery' }),
  login: ({ account }) => ({ email: account.email, password: account.password }),
  // The schema alone would give equal instants, which a validity window and a claim window refuse (start before end).
  createCouponTemplate: () => {
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    return {
      name: 'Battery sale',
      discount: { kind: 'amount_off', amountOff: 500, minSpend: 1_000 },
      totalStock: 10,
      perUserLimit: 1,
      validity: { validFrom: inDays(0), validUntil: inDays(30) },
      claimStartsAt: inDays(0),
      claimEndsAt: inDays(7),
      grantOnRegister: false,
    };
  },
  // Skus are upper case (the schema alone would give 'battery'); a sku of its own, taken by the first accepted sample.
  createProduct: () => ({ sku: 'BATTERY-SAMPLE', name: 'Battery sample', price: 1_200, active: true }),
  // Stays active: the order samples buy this very product.
  updateProduct: () => ({ name: 'Battery product', price: 4_200, active: true }),
  // No coupon and no points: accepted, it awaits its payment at once (nothing to reserve).
  placeOrder: ({ sku }) => ({ items: [{ sku, quantity: 1 }], pointsToUse: 0 }),
  createPayment: ({ payment }) => ({ orderId: payment.payableOrderId }),
  // The provider's success for the pending payment, as the sandbox would send it.
  receivePaymentCallback: ({ payment }) => ({
    eventId: randomUUID(),
    type: 'payment.succeeded',
    paymentId: payment.paymentId,
    providerPaymentId: payment.providerPaymentId,
    amount: payment.amount,
    currency: 'CNY',
    occurredAt: new Date().toISOString(),
  }),
};

/**
 * The code a route answers for a body its schema refuses, when not `VALIDATION_FAILED`: the provider's
 * callback checks its signature first, then its body (`INVALID_PAYMENT_CALLBACK`).
 */
const SCHEMA_REFUSALS: Readonly<Record<string, string>> = {
  receivePaymentCallback: 'INVALID_PAYMENT_CALLBACK',
};

/**
 * The headers that sign a body, for a route whose sender signs the bytes (`signedBody`): the provider's
 * `Payment-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`), made with the
 * platform's secret, so that a row of such a route is refused for its body and not for a missing signature.
 */
export function signatureHeadersFor(route: HttpRoute, context: BatteryContext, body: Buffer): Record<string, string> {
  if (!route.signedBody) return {};
  const t = Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', context.payment.webhookSecret).update(`${t}.`).update(body).digest('hex');
  return { 'payment-signature': `t=${t},v1=${mac}` };
}

/**
 * Body rows of a route's own rules, by operationId, beside the ones made from its schema: each a name, the
 * body (the sample changed), and the status and code it must answer.
 */
const BODY_ROWS: Readonly<
  Record<string, (sample: Record<string, unknown>, context: BatteryContext) => ReadonlyArray<readonly [string, unknown, number, string]>>
> = {
  placeOrder: (sample, { sku }) => {
    const line = (changes: Record<string, unknown>) => ({ ...sample, items: [{ sku, quantity: 1, ...changes }] });
    return [
      ['no items', { ...sample, items: [] }, 400, 'VALIDATION_FAILED'],
      ['quantity 0', line({ quantity: 0 }), 400, 'VALIDATION_FAILED'],
      ['quantity -1', line({ quantity: -1 }), 400, 'VALIDATION_FAILED'],
      ['quantity 100 (over 99 per line)', line({ quantity: 100 }), 400, 'VALIDATION_FAILED'],
      ['quantity 1.5', line({ quantity: 1.5 }), 400, 'VALIDATION_FAILED'],
      ['quantity 1e30', line({ quantity: 1e30 }), 400, 'VALIDATION_FAILED'],
      ['quantity "1"', line({ quantity: '1' }), 400, 'VALIDATION_FAILED'],
      ['a line without a quantity', { ...sample, items: [{ sku }] }, 400, 'VALIDATION_FAILED'],
      ['a lower-case sku', line({ sku: sku.toLowerCase() }), 400, 'VALIDATION_FAILED'],
      ['a sku of 65 characters', line({ sku: 'A'.repeat(65) }), 400, 'VALIDATION_FAILED'],
      ['a sku no product has', line({ sku: 'NO-SUCH-PRODUCT' }), 422, 'UNKNOWN_SKU'],
      ['a client unit price', line({ unitPrice: 1 }), 400, 'VALIDATION_FAILED'],
      ['a client line total', line({ lineTotal: 1 }), 400, 'VALIDATION_FAILED'],
      ['a client price beside the items', { ...sample, price: 1 }, 400, 'VALIDATION_FAILED'],
      ['a client subtotal', { ...sample, subtotal: 1 }, 400, 'VALIDATION_FAILED'],
      ['pointsToUse -1', { ...sample, pointsToUse: -1 }, 400, 'VALIDATION_FAILED'],
      ['pointsToUse 1.5', { ...sample, pointsToUse: 1.5 }, 400, 'VALIDATION_FAILED'],
      ['pointsToUse "10"', { ...sample, pointsToUse: '10' }, 400, 'VALIDATION_FAILED'],
      ['pointsToUse over 10^12', { ...sample, pointsToUse: 1_000_000_000_001 }, 400, 'VALIDATION_FAILED'],
      ['pointsToUse over the subtotal', { ...sample, pointsToUse: 1_000_000_000 }, 422, 'POINTS_EXCEED_SUBTOTAL'],
      ['a couponId that is not a UUID', { ...sample, couponId: 'WELCOME10' }, 400, 'VALIDATION_FAILED'],
      [
        '51 lines (one over the limit)',
        { ...sample, items: Array.from({ length: 51 }, (_, i) => ({ sku: `BATTERY-${i}`, quantity: 1 })) },
        400,
        'VALIDATION_FAILED',
      ],
      [
        'one sku on two lines',
        {
          ...sample,
          items: [
            { sku, quantity: 1 },
            { sku, quantity: 2 },
          ],
        },
        400,
        'DUPLICATE_SKU',
      ],
    ];
  },
  createProduct: (sample, { sku }) => [
    ['price 0', { ...sample, price: 0 }, 400, 'VALIDATION_FAILED'],
    ['price -1', { ...sample, price: -1 }, 400, 'VALIDATION_FAILED'],
    ['price 1.5', { ...sample, price: 1.5 }, 400, 'VALIDATION_FAILED'],
    ['price over a million yuan', { ...sample, price: 100_000_001 }, 400, 'VALIDATION_FAILED'],
    ['a lower-case sku', { ...sample, sku: 'battery-sample' }, 400, 'VALIDATION_FAILED'],
    ['a sku with a space', { ...sample, sku: 'BATTERY SAMPLE' }, 400, 'VALIDATION_FAILED'],
    ['a sku starting with "-"', { ...sample, sku: '-BATTERY' }, 400, 'VALIDATION_FAILED'],
    ['an empty name', { ...sample, name: '' }, 400, 'VALIDATION_FAILED'],
    ['a name of 201 characters', { ...sample, name: 'n'.repeat(201) }, 400, 'VALIDATION_FAILED'],
    ['a sku a product already has', { ...sample, sku }, 409, 'SKU_TAKEN'],
  ],
  updateProduct: (sample) => [
    ['price 0', { ...sample, price: 0 }, 400, 'VALIDATION_FAILED'],
    ['price 1.5', { ...sample, price: 1.5 }, 400, 'VALIDATION_FAILED'],
    ['an empty name', { ...sample, name: '' }, 400, 'VALIDATION_FAILED'],
    ['a sku (it never changes)', { ...sample, sku: 'OTHER-SKU' }, 400, 'VALIDATION_FAILED'],
  ],
  createPayment: () => [
    ['an order nobody placed', { orderId: randomUUID() }, 404, 'ORDER_NOT_FOUND'],
    ['an orderId that is not a UUID', { orderId: 'order-1' }, 400, 'VALIDATION_FAILED'],
    ['an amount of the client’s', { orderId: randomUUID(), amount: 1 }, 400, 'VALIDATION_FAILED'],
  ],
  simulatePayment: (sample) => [
    ['an unknown outcome', { ...sample, outcome: 'refund' }, 400, 'VALIDATION_FAILED'],
    ['an outcome in capitals', { ...sample, outcome: 'SUCCESS' }, 400, 'VALIDATION_FAILED'],
    ['callback "later"', { ...sample, callback: 'later' }, 400, 'VALIDATION_FAILED'],
    ['refunds "maybe"', { ...sample, refunds: 'maybe' }, 400, 'VALIDATION_FAILED'],
  ],
  // Signed with the right secret (see signatureHeadersFor): each is refused for what it says.
  receivePaymentCallback: (sample) => [
    ['a payment nobody started', { ...sample, paymentId: randomUUID() }, 404, 'PAYMENT_NOT_FOUND'],
    ['another amount than the payment’s', { ...sample, amount: (sample['amount'] as number) + 1 }, 422, 'AMOUNT_MISMATCH'],
    ['another currency than the payment’s', { ...sample, currency: 'USD' }, 422, 'CURRENCY_MISMATCH'],
    ['a lower-case currency', { ...sample, currency: 'cny' }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['a type no provider event has', { ...sample, type: 'payment.refunded' }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['a negative amount', { ...sample, amount: -1 }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['a fractional amount', { ...sample, amount: 0.5 }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['an amount over 10^12', { ...sample, amount: 1_000_000_000_001 }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['an empty providerPaymentId', { ...sample, providerPaymentId: '' }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['a providerPaymentId of 201 characters', { ...sample, providerPaymentId: 'p'.repeat(201) }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['a paymentId that is not a UUID', { ...sample, paymentId: 'pay-1' }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['an occurredAt that is no date-time', { ...sample, occurredAt: 'yesterday' }, 400, 'INVALID_PAYMENT_CALLBACK'],
    ['a failureReason of 501 characters', { ...sample, failureReason: 'r'.repeat(501) }, 400, 'INVALID_PAYMENT_CALLBACK'],
  ],
};

// A password may hold any character (a passphrase is a fine password): only one made of nothing but
// invisible characters is refused, so the "one format character inside" rows leave these fields out.
const ANY_CHARACTER_FIELDS = /password/i;

/** Characters that show nothing or change how text around them reads. */
const FORMAT_CHARACTERS: ReadonlyArray<readonly [string, string]> = [
  ['a zero-width space', '\u200b'],
  ['a right-to-left override', '\u202e'],
  ['a left-to-right mark', '\u200e'],
  ['NUL', '\u0000'],
  ['a lone surrogate', '\ud800'],
];

/** The sample body of a route: `SAMPLE_BODIES`, or one derived from its schema. */
export function sampleBodyOf(route: HttpRoute, context: BatteryContext): Record<string, unknown> {
  const sample = SAMPLE_BODIES[route.operationId];
  if (sample) return sample(context);
  return sampleOf(route.requestBody as SchemaNode) as Record<string, unknown>;
}

interface SchemaNode {
  readonly type?: string | string[];
  readonly properties?: Record<string, SchemaNode>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly minItems?: number;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly SchemaNode[];
}

function sampleOf(schema: SchemaNode): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sampleOf(schema.anyOf[0]!);
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, sampleOf(property)]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 1 }, () => sampleOf(schema.items ?? {}));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'email') return 'battery-sample@example.com';
      if (schema.format === 'date-time') return new Date().toISOString();
      return 'battery'.padEnd(schema.minLength ?? 1, 'x');
    default:
      return null;
  }
}

const propertiesOf = (schema: BodySchema) => (schema as SchemaNode).properties ?? {};
const requiredOf = (schema: BodySchema) => (schema as SchemaNode).required ?? [];
const typeOf = (schema: SchemaNode) => (Array.isArray(schema.type) ? schema.type[0] : schema.type);

/** A value of every JSON type but the field's own. */
function wrongTypesFor(field: SchemaNode): Array<readonly [string, unknown]> {
  const all: Array<readonly [string, string, unknown]> = [
    ['a number', 'number', 42],
    ['a boolean', 'boolean', true],
    ['null', 'null', null],
    ['an array', 'array', ['battery@example.com']],
    ['an object', 'object', { value: 'battery@example.com' }],
    ['a string', 'string', 'battery'],
  ];
  const own = typeOf(field);
  return all.filter(([, type]) => type !== own && !(own === 'integer' && type === 'number')).map(([label, , value]) => [label, value] as const);
}

/** The paged lists of the order service (`?cursor=…&limit=…`, limit 1-100): the same bounds on each. */
const PAGE_QUERIES: ReadonlyArray<readonly [string, string, string]> = [
  ['limit 0', '?limit=0', 'VALIDATION_FAILED'],
  ['limit 101', '?limit=101', 'VALIDATION_FAILED'],
  ['a limit in letters', '?limit=abc', 'VALIDATION_FAILED'],
  ['a negative limit', '?limit=-1', 'VALIDATION_FAILED'],
  ['a fractional limit', '?limit=1.5', 'VALIDATION_FAILED'],
  ['a limit with a leading zero', '?limit=050', 'VALIDATION_FAILED'],
  ['a cursor with "="', '?cursor=MTIz%3D', 'VALIDATION_FAILED'],
  ['a cursor with "/" and "+"', '?cursor=a%2Fb%2Bc', 'VALIDATION_FAILED'],
  ['a cursor with a quote and SQL', `?cursor=${encodeURIComponent("1' OR '1'='1")}`, 'VALIDATION_FAILED'],
  ['a cursor of 201 characters', `?cursor=${'a'.repeat(201)}`, 'VALIDATION_FAILED'],
  ['a cursor in its alphabet that the service never gave', '?cursor=not-a-cursor', 'INVALID_CURSOR'],
  ['a good limit beside a bad cursor', '?limit=10&cursor=%25', 'VALIDATION_FAILED'],
];

/**
 * Query strings a route's query schema refuses that the schema alone cannot make (a bound, an alphabet,
 * a length), by operationId: each is sent signed in and must answer 400 with the code given: VALIDATION_FAILED
 * for what the contract's query schema refuses, a route's own code for a well-formed value it cannot use.
 */
const BAD_QUERIES: Readonly<Record<string, ReadonlyArray<readonly [string, string, string]>>> = {
  listMyCoupons: [
    ['an unknown status', '?status=GONE', 'VALIDATION_FAILED'],
    ['limit 0', '?limit=0', 'VALIDATION_FAILED'],
    ['limit 201', '?limit=201', 'VALIDATION_FAILED'],
    ['a limit in words', '?limit=ten', 'VALIDATION_FAILED'],
  ],
  listMyPointsLedger: [
    ['limit 0', '?limit=0', 'VALIDATION_FAILED'],
    ['limit 201', '?limit=201', 'VALIDATION_FAILED'],
    ['a limit in letters', '?limit=abc', 'VALIDATION_FAILED'],
    ['a limit in exponent notation', '?limit=1e2', 'VALIDATION_FAILED'],
    ['a negative limit', '?limit=-1', 'VALIDATION_FAILED'],
    ['a fractional limit', '?limit=1.5', 'VALIDATION_FAILED'],
    ['a limit with a leading zero', '?limit=050', 'VALIDATION_FAILED'],
    ['a cursor with "="', '?cursor=MTIz%3D', 'VALIDATION_FAILED'],
    ['a cursor with "/" and "+"', '?cursor=a%2Fb%2Bc', 'VALIDATION_FAILED'],
    ['a cursor with a space', '?cursor=a%20b', 'VALIDATION_FAILED'],
    ['a cursor with a quote and SQL', `?cursor=${encodeURIComponent("1' OR '1'='1")}`, 'VALIDATION_FAILED'],
    ['a cursor of 65 characters', `?cursor=${'a'.repeat(65)}`, 'VALIDATION_FAILED'],
    ['a cursor of 2,000 characters', `?cursor=${'a'.repeat(2_000)}`, 'VALIDATION_FAILED'],
    ['a cursor in its alphabet that the service never gave', '?cursor=not-a-cursor', 'INVALID_CURSOR'],
    ['a good limit beside a bad cursor', '?limit=10&cursor=%25', 'VALIDATION_FAILED'],
    ['an offset (not a parameter of the route)', '?offset=10', 'VALIDATION_FAILED'],
  ],
  listProducts: PAGE_QUERIES,
  listAllProducts: PAGE_QUERIES,
  listMyOrders: [...PAGE_QUERIES, ['a status filter (not a parameter of the route)', '?status=PAID', 'VALIDATION_FAILED']],
  listPaymentsForAdmin: [
    ['an unknown status', '?status=PAID', 'VALIDATION_FAILED'],
    ['a lower-case status', '?status=pending', 'VALIDATION_FAILED'],
    ['two statuses', '?status=PENDING&status=FAILED', 'VALIDATION_FAILED'],
    ['limit 0', '?limit=0', 'VALIDATION_FAILED'],
    ['limit 201', '?limit=201', 'VALIDATION_FAILED'],
    ['a limit in letters', '?limit=abc', 'VALIDATION_FAILED'],
    ['a fractional limit', '?limit=1.5', 'VALIDATION_FAILED'],
    ['a cursor with a quote and SQL', `?cursor=${encodeURIComponent("1' OR '1'='1")}`, 'VALIDATION_FAILED'],
    ['a cursor in its alphabet that the service never gave', '?cursor=not-a-cursor', 'INVALID_CURSOR'],
  ],
};

/**
 * A route with a query schema, signed in: an unknown parameter and each parameter given empty are
 * refused (the schemas are closed, and no parameter admits the empty string), then the rows of `BAD_QUERIES`.
 */
function querySchemaCases(route: HttpRoute, context: BatteryContext): BadInputCase[] {
  if (!route.query) return [];
  const headers: Record<string, string> = route.access === 'anonymous' ? {} : { authorization: `Bearer ${context.token}` };
  const names = Object.keys(propertiesOf(route.query));
  const queries: Array<readonly [string, string, string]> = [
    ['an unknown parameter', '?page=2', 'VALIDATION_FAILED'],
    ...names.map((name) => [`${name} empty`, `?${name}=`, 'VALIDATION_FAILED'] as const),
    ...(BAD_QUERIES[route.operationId] ?? []),
  ];
  return queries.map(([name, query, code]) => ({
    name: `${label(route)}: query with ${name}`,
    request: { method: route.method, path: `${pathOf(route)}${query}`, headers },
    status: 400,
    code,
  }));
}

/** The concrete path of a route, each `{param}` replaced by `value`, under the API prefix. */
const pathOf = (route: HttpRoute, value: (name: string) => string = () => randomUUID()) =>
  API_PREFIX + route.path.replace(/\{(\w+)\}/g, (_m, name: string) => value(name));

/**
 * The path the sample body is sent to, and the body rows: a `{sku}` names the catalog's product and a
 * `{paymentId}` the pending payment (a row accepted by mistake then answers 2xx, not 404), any other parameter a fresh UUID.
 */
export const samplePathOf = (route: HttpRoute, context: BatteryContext): string =>
  pathOf(route, (name) => (name === 'sku' ? context.sku : name === 'paymentId' ? context.payment.paymentId : randomUUID()));

const label = (route: HttpRoute) => `${route.method} ${route.path}`;

/** Every row for every route. */
export function badInputCases(routes: readonly HttpRoute[], context: BatteryContext): BadInputCase[] {
  return routes.flatMap((route) => [
    ...(route.requestBody ? bodyCases(route, context) : []),
    ...authorizationCases(route, context),
    ...pathCases(route, context),
    ...queryCases(route, context),
    ...querySchemaCases(route, context),
  ]);
}

/**
 * A request that the route refuses on its own merits (no token, a body with no fields): what the
 * path, query and header rows are sent with, so that they show a hostile part makes nothing worse.
 * Null for an anonymous route without a body, which nothing makes bad but the hostile part itself.
 */
function refusedBase(route: HttpRoute): { headers: Record<string, string>; body?: Buffer } | null {
  if (route.requestBody && requiredOf(route.requestBody).length > 0) return { headers: { 'content-type': json }, body: Buffer.from('{}') };
  if (route.access !== 'anonymous') return { headers: {} };
  return null;
}

function bodyCases(route: HttpRoute, context: BatteryContext): BadInputCase[] {
  const schema = route.requestBody!;
  const sample = sampleBodyOf(route, context);
  const path = samplePathOf(route, context);
  const at = label(route);
  // Signed in when the route asks for it, so that the body is what each row is refused for.
  const signedIn: Record<string, string> = route.access === 'anonymous' ? {} : { authorization: `Bearer ${context.token}` };
  const row = (
    name: string,
    body: string | Buffer,
    status: BadInputCase['status'],
    code?: string,
    headers: Record<string, string> = { 'content-type': json },
  ) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return {
      name: `${at}: ${name}`,
      request: { method: route.method, path, headers: { ...signedIn, ...signatureHeadersFor(route, context, bytes), ...headers }, body: bytes },
      status,
      ...(code ? { code } : {}),
    };
  };
  const valid = JSON.stringify(sample);
  const schemaRefusal = SCHEMA_REFUSALS[route.operationId] ?? 'VALIDATION_FAILED';
  const malformed = (name: string, body: string) => row(name, body, 400, 'MALFORMED_JSON');
  const invalid = (name: string, body: unknown) => row(name, JSON.stringify(body), 400, schemaRefusal);
  const fields = Object.entries(propertiesOf(schema));
  const [firstField = 'field'] = fields.map(([name]) => name);
  const withField = (name: string, value: unknown) => ({ ...sample, [name]: value });
  // A number JSON.stringify cannot write: the sample with a placeholder, then the placeholder replaced by the literal.
  const withLiteral = (name: string, literal: string) => JSON.stringify(withField(name, '\u0001literal\u0001')).replace('"\\u0001literal\\u0001"', literal);

  const rows: BadInputCase[] = [
    // Malformed JSON.
    malformed('truncated JSON', valid.slice(0, Math.floor(valid.length / 2))),
    malformed('trailing garbage after the object', `${valid} x`),
    malformed('two objects in a row', `${valid}${valid}`),
    malformed('single quotes', valid.replace(/"/g, "'")),
    malformed('NaN as a value', withLiteral(firstField, 'NaN')),
    malformed('Infinity as a value', withLiteral(firstField, 'Infinity')),
    malformed('a hexadecimal number', withLiteral(firstField, '0x10')),
    malformed('a block comment', valid.replace('{', '{/* admin */')),
    malformed('a line comment', valid.replace('{', '{// admin\n')),
    malformed('a trailing comma', valid.replace(/}$/, ',}')),
    malformed('unquoted keys', valid.replace(/"(\w+)":/g, '$1:')),
    malformed('a raw newline inside a string', valid.replace(/":"/, '":"line\nbreak')),
    malformed('only white space', '   \n\t '),
    malformed('a UTF-8 byte order mark', `\ufeff${valid}`),
    row('UTF-16 text without a charset', Buffer.from(valid, 'utf16le'), 400, 'MALFORMED_JSON'),
    row(
      'invalid UTF-8 bytes in a key',
      Buffer.concat([Buffer.from('{"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(`":1,${valid.slice(1)}`)]),
      400,
      'MALFORMED_JSON',
    ),
    // Deep JSON: refused before parsing, never forwarded.
    row('6,000 nested arrays', '['.repeat(6_000), 400, 'BODY_TOO_DEEP'),
    row('3,000 nested objects', `${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`, 400, 'BODY_TOO_DEEP'),
    row('65 nested arrays, one over the limit', `${'['.repeat(65)}${']'.repeat(65)}`, 400, 'BODY_TOO_DEEP'),
    invalid('64 nested arrays, at the limit: parsed, then refused by the schema', JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`)),
    // Top level.
    invalid('a top-level empty array', []),
    invalid('a top-level array holding a valid body', [sample]),
    malformed('a top-level string', '"battery"'),
    malformed('a top-level number', '42'),
    malformed('a top-level null', 'null'),
    malformed('a top-level true', 'true'),
    // Prototype pollution: refused by the parser wherever the key is.
    malformed('__proto__ at the top', `{"__proto__":{"roles":["admin"]},${valid.slice(1)}`),
    malformed('__proto__ inside a field', withLiteral(firstField, '{"__proto__":{"admin":true}}')),
    malformed('constructor.prototype', `{"constructor":{"prototype":{"roles":["admin"]}},${valid.slice(1)}`),
    // Duplicate keys: the last one counts (JSON.parse), at the gateway and at the service alike, since
    // the gateway sends on its own re-serialisation; here the last is the wrong type, so the body is refused.
    row(`"${firstField}" twice, the last one a number`, `${valid.slice(0, -1)},"${firstField}":42}`, 400, schemaRefusal),
    // Unknown fields, none of which may pass (mass assignment).
    invalid('an unknown field "roles"', { ...sample, roles: ['admin'] }),
    invalid('an unknown field "isAdmin"', { ...sample, isAdmin: true }),
    invalid('an unknown field "userId"', { ...sample, userId: randomUUID() }),
    invalid('an empty object', {}),
    row('an empty body (read as {})', '', 400, schemaRefusal),
    // Content types: JSON in UTF-8 only.
    row('text/plain', valid, 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'text/plain' }),
    row('a form', new URLSearchParams(Object.entries(sample).map(([k, v]): [string, string] => [k, String(v)])).toString(), 415, 'UNSUPPORTED_MEDIA_TYPE', {
      'content-type': 'application/x-www-form-urlencoded',
    }),
    row('multipart/form-data', `--b\r\nContent-Disposition: form-data; name="body"\r\n\r\n${valid}\r\n--b--\r\n`, 415, 'UNSUPPORTED_MEDIA_TYPE', {
      'content-type': 'multipart/form-data; boundary=b',
    }),
    row('no content type with a JSON body', valid, 415, 'UNSUPPORTED_MEDIA_TYPE', {}),
    row('text/json', valid, 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'text/json' }),
    row('application/json; charset=latin1', valid, 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'application/json; charset=latin1' }),
    row('application/json; charset=utf-16', Buffer.from(valid, 'utf16le'), 415, 'UNSUPPORTED_MEDIA_TYPE', {
      'content-type': 'application/json; charset=utf-16',
    }),
    // A body the server would read as plain JSON while it says it is compressed.
    row('Content-Encoding: gzip on a plain body', valid, 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': json, 'content-encoding': 'gzip' }),
    row('an HTML Accept on a malformed body: the answer is still problem+json', '{', 400, 'MALFORMED_JSON', { 'content-type': json, accept: 'text/html' }),
    // Size.
    row('a body over 1 MiB', JSON.stringify(withField(firstField, 'x'.repeat(1024 * 1024))), 413, 'PAYLOAD_TOO_LARGE'),
    row('1 MiB of white space after a valid body', `${valid}${' '.repeat(1024 * 1024)}`, 413, 'PAYLOAD_TOO_LARGE'),
  ];

  for (const [name, body, status, code] of BODY_ROWS[route.operationId]?.(sample, context) ?? []) rows.push(row(name, JSON.stringify(body), status, code));

  const required = requiredOf(schema);
  for (const [name, field] of fields) {
    const where = `field "${name}"`;
    for (const [what, value] of wrongTypesFor(field)) rows.push(invalid(`${where} is ${what}`, withField(name, value)));
    if (required.includes(name)) {
      const { [name]: _omitted, ...rest } = sample;
      rows.push(invalid(`${where} missing`, rest));
    }
    rows.push(row(`${where} is 1e309`, withLiteral(name, '1e309'), 400), row(`${where} is 2^64`, withLiteral(name, '18446744073709551616'), 400));
    rows.push(row(`${where} is -1e309`, withLiteral(name, '-1e309'), 400));
    if (typeOf(field) === 'string') {
      rows.push(row(`${where} is a 100 KB string`, JSON.stringify(withField(name, 'a'.repeat(100 * 1024))), 400));
      // Bytes that are not UTF-8 inside the value: once read as U+FFFD they would pass for text (a nickname, a password).
      const [before, after] = JSON.stringify(withField(name, '\u0001bytes\u0001')).split('\\u0001bytes\\u0001');
      rows.push(
        row(
          `${where} has invalid UTF-8 bytes`,
          Buffer.concat([Buffer.from(`${before}Bat`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`tery${after}`)]),
          400,
          'MALFORMED_JSON',
        ),
      );
      // Text a person typed must show what it says; a signed body's text is its sender's (a provider's message), taken as sent.
      for (const [what, character] of route.signedBody ? [] : FORMAT_CHARACTERS) {
        rows.push(row(`${where} is only ${what}, repeated`, JSON.stringify(withField(name, character.repeat(12))), CLIENT_ERROR));
        if (!ANY_CHARACTER_FIELDS.test(name)) {
          const value = typeof sample[name] === 'string' ? sample[name] : 'battery';
          const inside = `${value.slice(0, 3)}${character}${value.slice(3)}`;
          rows.push(row(`${where} has ${what} inside`, JSON.stringify(withField(name, inside)), CLIENT_ERROR));
        }
      }
    }
  }
  return rows;
}

/** A JWT signed with a secret nobody configured, or with no signature at all. */
function forgedToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(payload)}`;
  return `${unsigned}.${secret ? createHmac('sha256', secret).update(unsigned).digest('base64url') : ''}`;
}

function authorizationCases(route: HttpRoute, context: BatteryContext): BadInputCase[] {
  const base = refusedBase(route);
  if (!base) return [];
  const status = route.access === 'anonymous' ? CLIENT_ERROR : 401;
  const code = route.access === 'anonymous' ? undefined : 'UNAUTHENTICATED';
  const now = Math.floor(Date.now() / 1000);
  const [, payload] = context.token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  const tampered = context.token.split('.');
  tampered[1] = Buffer.from(JSON.stringify({ ...claims, roles: ['admin', 'customer'] })).toString('base64url');
  const authorizations: Array<readonly [string, string | undefined]> = [
    ['no Authorization', undefined],
    ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['"Bearer" alone', 'Bearer'],
    ['a garbage bearer token', 'Bearer not.a.jwt'],
    ['a bearer token of 8,000 characters', `Bearer ${'a'.repeat(8_000)}`],
    ['the token without its scheme', context.token],
    ['an unsigned token (alg none)', `Bearer ${forgedToken({ alg: 'none', typ: 'JWT' }, { ...claims, iat: now, exp: now + 600 })}`],
    ['a token signed with another secret', `Bearer ${forgedToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, exp: now + 600 }, 'not the secret')}`],
    ['a valid token with its payload changed', `Bearer ${tampered.join('.')}`],
    [
      'an expired token, signed with another secret',
      `Bearer ${forgedToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }, 'x')}`,
    ],
  ];
  return authorizations.map(([name, authorization]) => ({
    name: `${label(route)}: ${name}`,
    request: { method: route.method, path: pathOf(route), headers: { ...base.headers, ...(authorization ? { authorization } : {}) }, body: base.body },
    status,
    ...(code ? { code } : {}),
  }));
}

function pathCases(route: HttpRoute, context: BatteryContext): BadInputCase[] {
  const headers: Record<string, string> = route.access === 'anonymous' ? {} : { authorization: `Bearer ${context.token}` };
  const base = pathOf(route);
  const request = (path: string) => ({ method: route.method, path, headers });
  const rows: BadInputCase[] = [
    ['a "/.." after it', `${base}/..`],
    ['"/%2e%2e/%2e%2e/admin" after it', `${base}/%2e%2e/%2e%2e/admin`],
    ['"/..%2f..%2fetc%2fpasswd" after it', `${base}/..%2f..%2fetc%2fpasswd`],
    ['"%00" after it', `${base}%00`],
    ['"/%00" after it', `${base}/%00`],
    ['a broken escape "%zz"', `${base}/%zz`],
    ['a 10 KB segment after it', `${base}/${'a'.repeat(10_000)}`],
    ['a 20 KB segment after it (over the header size limit)', `${base}/${'a'.repeat(20_000)}`],
    ['a double slash before it', `${API_PREFIX}//${route.path.slice(1)}`],
  ].map(([name, path]) => ({ name: `${label(route)}: path with ${name}`, request: request(path!), status: CLIENT_ERROR }));
  if (route.path.includes('{')) {
    for (const [name, value] of [
      ['".."', '..'],
      ['"%2e%2e"', '%2e%2e'],
      ['"%00"', '%00'],
      ['"..%2f..%2fadmin"', '..%2f..%2fadmin'],
      ['a 10 KB value', 'a'.repeat(10_000)],
    ] as const) {
      rows.push({ name: `${label(route)}: path parameter ${name}`, request: request(pathOf(route, () => value)), status: CLIENT_ERROR });
    }
  }
  return rows;
}

function queryCases(route: HttpRoute, context: BatteryContext): BadInputCase[] {
  const rows: BadInputCase[] = [];
  const queries: Array<readonly [string, string]> = [
    ['__proto__ and constructor.prototype', '?__proto__[roles]=admin&constructor[prototype][roles]=admin'],
    ['a broken escape', '?q=%zz&x=%'],
    ['a NUL', '?q=%00'],
  ];
  const base = refusedBase(route);
  if (base) {
    const status = route.access === 'anonymous' ? CLIENT_ERROR : 401;
    for (const [name, query] of queries)
      rows.push({
        name: `${label(route)}: query with ${name}, on a refused request`,
        request: { method: route.method, path: `${pathOf(route)}${query}`, ...base },
        status,
      });
  }
  // Over the request target limit (8 KiB), refused by the gateway before anything else, whoever is
  // calling: forwarded, it would carry the target twice (the request line and the internal token).
  rows.push({
    name: `${label(route)}: a 10 KB query (over the request target limit)`,
    request: { method: route.method, path: `${pathOf(route)}?q=${'a'.repeat(10_000)}`, headers: {} },
    status: 414,
    code: 'URI_TOO_LONG',
  });
  // Over the header size limit: refused by the gateway's HTTP parser, whoever is calling.
  rows.push({
    name: `${label(route)}: a 20 KB query (over the header size limit)`,
    request: { method: route.method, path: `${pathOf(route)}?q=${'a'.repeat(20_000)}`, headers: { authorization: `Bearer ${context.token}` } },
    status: 431,
  });
  return rows;
}
