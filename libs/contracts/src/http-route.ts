import type { ContractSchema } from './envelope.js';

/**
 * Who may call a route: anyone, a caller with a valid bearer access token, or such a caller whose token
 * carries the `admin` role. Anything else is refused by `defineContext`.
 */
export const ROUTE_ACCESS = ['anonymous', 'user', 'admin'] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];

/**
 * First path segments the gateway serves itself (`/api/v1/health…`, `/metrics`, the API documents):
 * a context's route may not start with one, or it would take the gateway's own endpoint over.
 */
export const GATEWAY_OWN_SEGMENTS = ['health', 'metrics', 'openapi.json', 'asyncapi.json', 'docs'] as const;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * A request or answer body of the HTTP contract: a TypeBox schema with a `title`, which names it
 * among the OpenAPI document's components (`#/components/schemas/<title>`).
 */
export type BodySchema = ContractSchema;

/** The query parameters of a route: a titled TypeBox object of string (or string enum) properties. */
export type QuerySchema = ContractSchema;

export interface RouteResponse {
  readonly description: string;
  /** The body's schema (JSON); none for an answer without a body. */
  readonly schema?: BodySchema;
  /** An `application/problem+json` answer. */
  readonly problem?: true;
  /**
   * Headers of the route's own that the answer may carry (lower-case name → what it means), for the
   * OpenAPI document; the gateway passes each back (its allowlist must name it: a gateway test checks).
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One public route of the API, as its context declares it (DESIGN.md section 7): what the gateway
 * mounts and forwards, what its access guard checks, what the OpenAPI document says. Statuses every
 * route shares (400, 401, 413, 429, 503, 504) are added by the document; list here what is the
 * route's own.
 */
export interface HttpRouteDefinition {
  /** Unique across the platform: names the operation in the OpenAPI document. */
  readonly operationId: string;
  readonly method: HttpMethod;
  /** Below `/api/v1`, OpenAPI style: `/orders/{orderId}`. The service serves the same path. */
  readonly path: string;
  /** `user`: a valid bearer access token is required; `admin`: one with the `admin` role. */
  readonly access: RouteAccess;
  /** One of its context's `tags`. */
  readonly tag: string;
  readonly summary: string;
  readonly requestBody?: BodySchema;
  /**
   * A request body that the route accepts, shown in the OpenAPI document (and the reference page's
   * "Try it out"): every route with a `requestBody` gives one, and a gateway spec checks it against the body's schema.
   */
  readonly requestExample?: unknown;
  /**
   * The query parameters the route reads: a titled object schema whose properties are strings (a query
   * string is text), each documented as an OpenAPI query parameter. The service validates with it.
   */
  readonly query?: QuerySchema;
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /**
   * The route checks a password for the account its body names in `accountField`, answering 401 with
   * the problem code `failureCode` when it is wrong: the gateway counts those failures per account and
   * client address and makes further tries wait a short, growing while (no other answer counts).
   */
  readonly credentials?: { readonly accountField: string; readonly failureCode: string };
  /**
   * The sender signs the body's bytes (a payment provider's callback): the gateway forwards them
   * unchanged (no re-encoding) with these request headers besides its allowlist. Names are lower-case
   * tokens, never a credential, a framing, a hop-by-hop or a forwarding header (`SIGNED_BODY_FORBIDDEN_HEADERS`,
   * `x-forwarded-*`, `x-internal-*`, `x-shop-*`); `defineContext` refuses them.
   */
  readonly signedBody?: { readonly headers: readonly string[] };
}

/**
 * Request headers a `signedBody` route may not ask the gateway to pass on: the caller's credentials,
 * the message framing and the correlation id the gateway owns, the hop-by-hop ones (RFC 9110 §7.6.1),
 * and the forwarding headers. `x-forwarded-*`, `x-internal-*` and `x-shop-*` (the platform's own, the
 * gateway's internal token among them) are refused besides.
 */
export const SIGNED_BODY_FORBIDDEN_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'expect',
  'x-correlation-id',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'forwarded',
]);
const SIGNED_BODY_FORBIDDEN_PREFIXES = ['x-forwarded-', 'x-internal-', 'x-shop-'];
/** An RFC 9110 token, in lower case. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** What is wrong with a `signedBody` route's header names (empty when nothing is). */
export function signedBodyProblemsOf(route: Pick<HttpRouteDefinition, 'method' | 'requestBody' | 'signedBody'>): string[] {
  const { signedBody } = route;
  if (signedBody === undefined) return [];
  const problems: string[] = [];
  if (route.method === 'GET' || route.requestBody === undefined) problems.push('signedBody: the route takes no request body to sign');
  if (!Array.isArray(signedBody.headers)) return [...problems, 'signedBody: headers must be a list of header names'];
  const seen = new Set<string>();
  for (const name of signedBody.headers as readonly unknown[]) {
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) problems.push(`signedBody: header ${JSON.stringify(name)} is not a lower-case header name`);
    else if (SIGNED_BODY_FORBIDDEN_HEADERS.includes(name) || SIGNED_BODY_FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix)))
      problems.push(`signedBody: header '${name}' may never be passed on from the client`);
    else if (seen.has(name)) problems.push(`signedBody: header '${name}' is listed twice`);
    if (typeof name === 'string') seen.add(name);
  }
  return problems;
}

/** A route of the platform's table: its definition and the context (service) that serves it. */
export interface HttpRoute extends HttpRouteDefinition {
  readonly service: string;
}

/** The titled schemas a route speaks (request body, then answers). */
export const bodySchemasOf = (route: HttpRouteDefinition): BodySchema[] => [
  ...(route.requestBody ? [route.requestBody] : []),
  ...Object.values(route.responses).flatMap((response) => (response.schema ? [response.schema] : [])),
];

/** The OpenAPI component name of a body schema: its `title`. */
export const schemaNameOf = (schema: BodySchema): string => {
  const title = (schema as { readonly title?: unknown }).title;
  if (typeof title !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(title))
    throw new Error(`a body schema needs a title naming it (PascalCase), got ${JSON.stringify(title)}`);
  return title;
};
