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
