import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from 'typebox';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** One way a value does not match a schema: the JSON pointer of the value (`''` for the whole) and what is wrong. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

/** A compiled schema: call it for a yes or no, `problems` for what is wrong. */
export interface SchemaCheck<T> {
  /** Whether `value` matches the schema. */
  (value: unknown): value is T;
  /** Every way `value` does not match the schema (all of them, not only the first); `[]` when it matches. */
  problems(value: unknown): SchemaProblem[];
}

// One compiler for the platform: strict (an unknown keyword or a format it does not know is a bug of the
// schema, thrown at compile time), every problem reported, the formats (uuid, date-time, email, …) checked.
// ajv caches by the schema object, so a contract checked in several places is compiled once.
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);

/**
 * The one way to check a value against a contract's schema (an event payload, an HTTP body, a callback
 * a provider signed): `const check = schemaCheck(ProviderCallback); check.problems(body)`. Throws at once
 * when the schema itself is not valid JSON Schema in strict mode.
 */
export function schemaCheck<S extends TSchema>(schema: S): SchemaCheck<Static<S>>;
export function schemaCheck<T = unknown>(schema: object): SchemaCheck<T>;
export function schemaCheck(schema: object): SchemaCheck<unknown> {
  const validate = ajv.compile(schema);
  const check = (value: unknown): value is unknown => validate(value);
  return Object.assign(check, { problems: (value: unknown) => (validate(value) ? [] : problemsOf(validate)) });
}

const problemsOf = (validate: ValidateFunction): SchemaProblem[] =>
  (validate.errors ?? []).map((e) => ({ path: e.instancePath, message: e.message ?? 'is invalid' }));
