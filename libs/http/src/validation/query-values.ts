import type { SchemaObject } from 'ajv';

const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/**
 * A query string (or a route param) is text: a value the schema declares as integer, number or boolean is read from
 * its plain decimal (or `true`/`false`) spelling only. Anything else stays a string and fails the
 * schema's type check, so `?limit=1e3`, `?limit= 7` or `?limit=0x10` are refused, not guessed at.
 */
export function parseQueryValues(query: unknown, schema: SchemaObject): unknown {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) return query;
  const properties = (schema['properties'] ?? {}) as Record<string, SchemaObject | undefined>;
  const parsed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) {
    parsed[name] = typeof value === 'string' ? parseScalar(value, properties[name]?.['type']) : value;
  }
  return parsed;
}

function parseScalar(text: string, type: unknown): unknown {
  const types: unknown[] = Array.isArray(type) ? type : [type];
  if (types.includes('integer') && INTEGER.test(text)) return Number(text);
  if (types.includes('number') && NUMBER.test(text)) return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
