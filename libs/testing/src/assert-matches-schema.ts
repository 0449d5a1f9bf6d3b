import { schemaCheck, type TSchema } from '@shop/contracts';

/**
 * Throws unless `value` matches `schema` (a contract's HTTP body, a ledger entry, …), naming every
 * mismatch: `assertMatchesSchema(OrderResponse, view)`. Checked by `schemaCheck`, as the services check
 * (ajv, strict, formats, each schema compiled once), so a body passes here exactly when theirs would.
 */
export function assertMatchesSchema(schema: TSchema, value: unknown): void {
  const problems = schemaCheck(schema).problems(value);
  if (problems.length === 0) return;
  const { title } = schema as { title?: unknown };
  const name = typeof title === 'string' ? title : 'the schema';
  throw new Error(`the value does not match ${name}: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`);
}
