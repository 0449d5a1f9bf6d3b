import type { ErrorObject } from 'ajv';
import type { FieldError } from '../problem/problem-details.js';

/** More than this many problems in one request are not worth listing. */
export const MAX_FIELD_ERRORS = 25;

/** `/items/0/sku` (a JSON pointer) → `items.0.sku`; the root is named after the request part. */
export function dottedPath(pointer: string, root: string): string {
  if (pointer === '') return root;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

const join = (parent: string, child: string, root: string): string => (parent === root ? child : `${parent}.${child}`);

/** Ajv's errors as the client sees them: one per field, worded for people. */
export function toFieldErrors(errors: readonly ErrorObject[], root: string): FieldError[] {
  const fieldErrors = errors.map((error): FieldError => {
    const field = dottedPath(error.instancePath, root);
    switch (error.keyword) {
      case 'required':
        return { field: join(field, String(error.params['missingProperty']), root), message: 'is required' };
      case 'additionalProperties':
        return { field: join(field, String(error.params['additionalProperty']), root), message: 'is not allowed' };
      case 'enum':
        return { field, message: `must be one of: ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
      default:
        return { field, message: error.message ?? 'is invalid' };
    }
  });
  return fieldErrors.slice(0, MAX_FIELD_ERRORS);
}
