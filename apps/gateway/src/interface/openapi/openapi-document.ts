import { bodySchemasOf, schemaNameOf, type ContextDefinition, type HttpRoute, type QuerySchema, type RouteResponse } from '@shop/contracts';
import { HEALTH_REPORT_SCHEMA, LIVENESS_SCHEMA, NOT_READY_SCHEMA, PROBLEM_SCHEMA, READINESS_SCHEMA } from './api-schemas.js';

export const API_BASE_PATH = '/api/v1';

type Json = Record<string, unknown>;

const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const ref = (kind: 'responses' | 'headers' | 'schemas', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const CORRELATION_HEADERS = { 'x-correlation-id': ref('headers', 'CorrelationId') };

const problemResponse = (description: string, headers: Json = {}): Json => ({
  description,
  headers: { ...CORRELATION_HEADERS, ...headers },
  content: PROBLEM_CONTENT,
});

/** The answers every forwarded route may give, whatever the service. */
const COMMON_RESPONSES = {
  BadRequest: problemResponse('`MALFORMED_JSON` (not a JSON object or array) or `VALIDATION_FAILED` (with `errors`): nothing was changed'),
  Unauthenticated: problemResponse('`UNAUTHENTICATED`: the bearer access token is missing, malformed, expired or not valid here', {
    'www-authenticate': { schema: { type: 'string' } },
  }),
  Forbidden: problemResponse('`FORBIDDEN`: the access token is valid but lacks the `admin` role this route needs; nothing was done'),
  PayloadTooLarge: problemResponse('`PAYLOAD_TOO_LARGE`: the body is over 1 MiB'),
  RateLimited: problemResponse('`RATE_LIMITED`: too many requests from this user (or address, when signed out)', {
    'retry-after': ref('headers', 'RetryAfter'),
  }),
  ServiceUnavailable: problemResponse(
    '`SERVICE_UNAVAILABLE`: the service behind the route cannot be reached or keeps failing; `SERVICE_BUSY`: too many requests to it are in flight; `DATABASE_UNAVAILABLE` · `DATABASE_TIMEOUT`: the service answered, but its database is away or did not finish in time. In every case try again after `Retry-After`',
    {
      'retry-after': ref('headers', 'RetryAfter'),
    },
  ),
  ServiceTimeout: problemResponse('`SERVICE_TIMEOUT`: the service behind the route did not answer in time (the request may or may not have taken effect)'),
} as const;

function routeResponse(response: RouteResponse): Json {
  if (response.problem) return problemResponse(response.description);
  const own = Object.fromEntries(Object.entries(response.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
  return {
    description: response.description,
    headers: { ...CORRELATION_HEADERS, ...own },
    ...(response.schema ? { content: { 'application/json': { schema: ref('schemas', schemaNameOf(response.schema)) } } } : {}),
  };
}

/** A route's query schema as OpenAPI query parameters: one per property, with its own schema (`defineContext` made them strings). */
function queryParametersOf(query: QuerySchema): Json[] {
  const { properties = {}, required = [] } = query as { properties?: Record<string, Json>; required?: readonly string[] };
  return Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: required.includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function operationOf(route: HttpRoute): Json {
  const responses: Json = {};
  for (const [status, response] of Object.entries(route.responses)) responses[status] = routeResponse(response);
  if (route.requestBody) {
    responses['400'] ??= ref('responses', 'BadRequest');
    responses['413'] ??= ref('responses', 'PayloadTooLarge');
  }
  const needsToken = route.access !== 'anonymous';
  if (route.query) responses['400'] ??= ref('responses', 'BadRequest');
  if (needsToken) responses['401'] ??= ref('responses', 'Unauthenticated');
  if (route.access === 'admin') responses['403'] ??= ref('responses', 'Forbidden');
  responses['429'] ??= ref('responses', 'RateLimited');
  responses['503'] ??= ref('responses', 'ServiceUnavailable');
  responses['504'] ??= ref('responses', 'ServiceTimeout');
  const parameters = [
    ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(route.query ? queryParametersOf(route.query) : []),
    ...(route.signedBody?.headers ?? []).map((name) => ({
      name,
      in: 'header',
      required: true,
      description: "The sender's signature over the body's exact bytes: the gateway passes both on unchanged",
      schema: { type: 'string' },
    })),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: needsToken ? [{ bearerAuth: [] }] : [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.requestBody
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref('schemas', schemaNameOf(route.requestBody)),
                ...(route.requestExample === undefined ? {} : { example: route.requestExample }),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
  };
}

/** The gateway's own routes: not forwarded, not rate limited, no token. */
const OPERATIONS_PATHS: Json = {
  '/health/live': {
    get: {
      operationId: 'getLiveness',
      summary: 'The gateway process answers (nothing behind it is asked)',
      tags: ['operations'],
      security: [],
      responses: { 200: { description: 'Live', content: { 'application/json': { schema: ref('schemas', 'Liveness') } } } },
    },
  },
  '/health/ready': {
    get: {
      operationId: 'getReadiness',
      summary: "Readiness of the gateway and of each service behind it (each service's `/health/ready`), reused for `READINESS_CACHE_MS`",
      tags: ['operations'],
      security: [],
      responses: {
        200: { description: 'Every check is up', content: { 'application/json': { schema: ref('schemas', 'Readiness') } } },
        503: {
          description: '`NOT_READY` (what is down in `down`) or `SHUTTING_DOWN`',
          content: { 'application/problem+json': { schema: ref('schemas', 'NotReady') } },
        },
      },
    },
  },
  '/health': {
    get: {
      operationId: 'getHealth',
      summary: 'Readiness of the gateway and of each service behind it, in its first shape (kept for existing probes; prefer `/health/ready`)',
      tags: ['operations'],
      security: [],
      responses: {
        200: { description: 'Every check is up', content: { 'application/json': { schema: ref('schemas', 'HealthReport') } } },
        503: { description: 'A check is down (named in `checks`)', content: { 'application/json': { schema: ref('schemas', 'HealthReport') } } },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      summary: "The gateway's metrics as Prometheus text, for the bearer `METRICS_TOKEN` only (not served at all without one configured)",
      tags: ['operations'],
      security: [{ metricsToken: [] }],
      responses: {
        200: { description: 'Prometheus exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
        401: { description: 'No `Authorization: Bearer <METRICS_TOKEN>`, or another token (problem+json, `WWW-Authenticate: Bearer`)' },
        404: { description: 'No `METRICS_TOKEN` is configured: metrics are not served' },
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApi',
      summary: 'This document',
      tags: ['operations'],
      security: [],
      responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
  '/asyncapi.json': {
    get: {
      operationId: 'getAsyncApi',
      summary: 'The events between the services on RabbitMQ (who publishes and who consumes each, with its schema), as an AsyncAPI document',
      tags: ['operations'],
      security: [],
      responses: { 200: { description: 'AsyncAPI 3.0', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
  '/docs': {
    get: {
      operationId: 'getApiReference',
      summary: 'The API reference page: this document in Swagger UI, served by the gateway itself (no CDN)',
      tags: ['operations'],
      security: [],
      responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
};

/** The routes `API_DOCS=off` leaves out. */
const API_DOCS_PATHS: ReadonlySet<string> = new Set(['/asyncapi.json', '/docs']);

export interface OpenApiOptions {
  /** Whether the gateway serves `/asyncapi.json` and `/docs` (`API_DOCS=public`, the default), so that the document lists them. */
  readonly apiDocs?: boolean;
}

/**
 * An OpenAPI 3.1 description of the gateway: every route of every context, the bodies' schemas from
 * the contracts (each a component named by its `title`), and the problem+json shape.
 */
export function openApiDocument(contexts: readonly ContextDefinition[], version: string, options: OpenApiOptions = {}): Json {
  const paths: Record<string, Json> = {};
  const bodySchemas: Record<string, unknown> = {};
  for (const route of contexts.flatMap((context) => context.routes)) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operationOf(route) };
    for (const schema of bodySchemasOf(route)) bodySchemas[schemaNameOf(schema)] = schema;
  }
  for (const path of Object.keys(paths)) {
    if (path in OPERATIONS_PATHS) throw new Error(`a context's route ${path} is one of the gateway's own paths`);
  }
  for (const reserved of ['Problem', 'HealthReport', 'Liveness', 'Readiness', 'NotReady']) {
    if (reserved in bodySchemas) throw new Error(`a context's body schema is titled '${reserved}', the name of one of the gateway's own`);
  }
  const tags = contexts.flatMap((context) => Object.entries(context.tags).map(([name, description]) => ({ name, description })));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Shop platform API',
      version,
      description:
        'The public API of the shop platform, served by its gateway. Errors are `application/problem+json` with a stable `code`. ' +
        'Every answer carries `x-correlation-id` (yours when you send a sane one).',
    },
    servers: [{ url: API_BASE_PATH }],
    tags: [
      ...tags,
      {
        name: 'operations',
        description:
          options.apiDocs === false ? 'Health, metrics and this document' : 'Health, metrics, this document, the events document and the reference page',
      },
    ],
    paths: { ...paths, ...(options.apiDocs === false ? withoutApiDocs(OPERATIONS_PATHS) : OPERATIONS_PATHS) },
    components: {
      schemas: {
        ...bodySchemas,
        Problem: PROBLEM_SCHEMA,
        HealthReport: HEALTH_REPORT_SCHEMA,
        Liveness: LIVENESS_SCHEMA,
        Readiness: READINESS_SCHEMA,
        NotReady: NOT_READY_SCHEMA,
      },
      responses: COMMON_RESPONSES,
      headers: {
        RetryAfter: { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
        CorrelationId: { description: 'The id of this request in the logs and events', schema: { type: 'string' } },
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The `accessToken` of `POST /auth/login`' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The operator’s `METRICS_TOKEN`, for the metrics only' },
      },
    },
  };
}

const withoutApiDocs = (operations: Json): Json => Object.fromEntries(Object.entries(operations).filter(([path]) => !API_DOCS_PATHS.has(path)));
