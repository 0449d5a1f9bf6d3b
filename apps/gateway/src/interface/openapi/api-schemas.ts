// The gateway's own answers; the routes' bodies come from the contexts' contracts (`@shop/contracts`).

/** Every error answer: RFC 9457 problem details plus the stable `code` (`@shop/http` `ProblemDetails`). */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'A URN naming the kind of problem, e.g. `urn:shop:problem:RATE_LIMITED`' },
    title: { type: 'string', description: 'The HTTP reason phrase' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'What went wrong, for people' },
    code: { type: 'string', description: 'What went wrong, for programs: `EMAIL_TAKEN`, `RATE_LIMITED`, …' },
    errors: {
      type: 'array',
      description: 'Field problems of a refused body or query',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', description: 'A dotted path: `items.0.quantity`' }, message: { type: 'string' } },
      },
    },
    instance: { type: 'string', description: 'The path of the request' },
    correlationId: { type: 'string', description: 'Quote it when reporting a problem' },
  },
} as const;

/** `GET /health`: `@shop/http` `HealthReport`, one check for the gateway and one per service. */
export const HEALTH_REPORT_SCHEMA = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { enum: ['ok', 'unavailable'] },
    checks: { type: 'object', additionalProperties: { enum: ['up', 'down'] } },
  },
} as const;

/** `GET /health/live`: `draining` once the gateway has begun to shut down. */
export const LIVENESS_SCHEMA = {
  type: 'object',
  required: ['live', 'draining'],
  properties: { live: { const: true }, draining: { type: 'boolean' } },
} as const;

const CHECK_RESULT_SCHEMA = {
  type: 'object',
  required: ['status', 'durationMs'],
  properties: {
    status: { enum: ['up', 'down'] },
    durationMs: { type: 'integer', minimum: 0 },
    reason: { enum: ['timeout', 'error', 'reported-down'], description: 'Why it is down (the error itself is only logged)' },
  },
} as const;

const READINESS_PROPERTIES = {
  ready: { type: 'boolean' },
  draining: { type: 'boolean', description: 'The instance is shutting down' },
  checkedAt: { type: 'string', format: 'date-time', description: 'When the checks ran: a cached answer is this old' },
  checks: { type: 'object', additionalProperties: CHECK_RESULT_SCHEMA, description: 'The gateway, and one per service' },
} as const;

/** `GET /health/ready` 200: `@shop/http` `ReadinessReport`. */
export const READINESS_SCHEMA = {
  type: 'object',
  required: ['ready', 'draining', 'checkedAt', 'checks'],
  properties: READINESS_PROPERTIES,
} as const;

/** `GET /health/ready` 503: problem details (`NOT_READY`, `SHUTTING_DOWN`) with the report and the checks that are down. */
export const NOT_READY_SCHEMA = {
  type: 'object',
  required: [...PROBLEM_SCHEMA.required, 'ready', 'draining', 'checkedAt', 'checks', 'down'],
  properties: { ...PROBLEM_SCHEMA.properties, ...READINESS_PROPERTIES, down: { type: 'array', items: { type: 'string' } } },
} as const;
