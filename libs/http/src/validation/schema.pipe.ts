import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import { ProblemException } from '../problem/problem.exception.js';
import { toFieldErrors } from './field-errors.js';
import { parseQueryValues } from './query-values.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

// One instance for the process: ajv caches each compiled schema by identity. No coercion, no
// defaults, nothing removed: what the client sent is what the use case gets, or a 400.
const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
addFormats(ajv);

/**
 * Validates a request body (or query, or route params) against a contract's TypeBox schema, and types
 * the value by it: `@Body(new SchemaPipe(RegisterRequest)) body: RegisterRequest`. The schema is
 * compiled once, when the pipe is made (at class definition, for a decorator), so a broken schema
 * fails at start. A mismatch answers 400 `VALIDATION_FAILED` with one entry per field. Schemas say
 * `additionalProperties: false` to refuse unknown fields, and bound their numbers.
 */
export class SchemaPipe<S extends TSchema> implements PipeTransform<unknown, Static<S>> {
  private readonly validate: ValidateFunction<Static<S>>;

  constructor(private readonly schema: S) {
    this.validate = ajv.compile<Static<S>>(schema);
  }

  transform(value: unknown, metadata: ArgumentMetadata): Static<S> {
    const candidate = metadata.type === 'query' || metadata.type === 'param' ? parseQueryValues(value, this.schema) : value;
    if (this.validate(candidate)) return candidate;
    const part = metadata.type === 'custom' ? 'input' : metadata.type;
    throw ProblemException.of(400, 'VALIDATION_FAILED', `The request ${part} is invalid.`, toFieldErrors(this.validate.errors ?? [], part));
  }
}
