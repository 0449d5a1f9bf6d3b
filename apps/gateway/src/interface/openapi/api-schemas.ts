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
