import { ContractViolationError, EventSchemaRegistry, defineEvent, type ContractSchema, type TSchema } from '@shop/contracts';

// Each schema compiled once, by the registry the services validate with (ajv, strict, formats), so a body
// passes here exactly when a service's own check would pass it. The registry keys schemas by event type:
// each gets a made-up one.
const registry = new EventSchemaRegistry();
const typeOfSchema = new WeakMap<TSchema, string>();

/**
 * Throws unless `value` matches `schema` (a contract's HTTP body, a ledger entry, …), naming every
 * mismatch: `assertMatchesSchema(OrderResponse, view)`.
 */
export function assertMatchesSchema(schema: TSchema, value: unknown): void {
  let type = typeOfSchema.get(schema);
  if (type === undefined) {
    type = `testing.schema-${registry.types().length + 1}.v1`;
    registry.register(defineEvent(type, schema as ContractSchema));
    typeOfSchema.set(schema, type);
  }
  try {
    registry.validatePayload(type, value);
  } catch (error) {
    if (!(error instanceof ContractViolationError)) throw error;
    const { title } = schema as { title?: unknown };
    const name = typeof title === 'string' ? title : 'the schema';
    throw new Error(`the value does not match ${name}: ${error.problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`);
  }
}
