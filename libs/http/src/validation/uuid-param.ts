import Type from 'typebox';
import { SchemaPipe } from './schema.pipe.js';

/** The route params of a path with one id in it, `{ [name]: id }`, as the pipe lets them through. */
export type UuidParams<K extends string> = { [P in K]: string };

type UuidParamsSchema<K extends string> = Type.TObject<{ [P in K]: Type.TString }>;

// One compiled pipe per param name for the process (each controller method's decorator asks for one).
const pipes = new Map<string, SchemaPipe<UuidParamsSchema<string>>>();

/**
 * The pipe of a route path's id, `@Param(uuidParam('orderId')) params: UuidParams<'orderId'>`: a UUID in
 * its plain 36-character spelling (ajv's `uuid` format alone would also let `urn:uuid:…` through to the
 * database). Anything else is 400 `VALIDATION_FAILED` naming the param, before any use case runs. The id
 * comes through as sent (upper case included); the caller canonicalises it where its storage needs it.
 */
export function uuidParam<K extends string>(name: K): SchemaPipe<UuidParamsSchema<K>> {
  let pipe = pipes.get(name);
  if (!pipe) {
    const properties = { [name]: Type.String({ format: 'uuid', maxLength: 36 }) } as { [P in K]: Type.TString };
    pipe = new SchemaPipe(Type.Object(properties, { additionalProperties: false })) as SchemaPipe<UuidParamsSchema<string>>;
    pipes.set(name, pipe);
  }
  return pipe as unknown as SchemaPipe<UuidParamsSchema<K>>;
}
