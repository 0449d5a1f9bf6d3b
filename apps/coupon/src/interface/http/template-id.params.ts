import { Type, type Static } from '@shop/contracts';
import { SchemaPipe } from '@shop/http';

/**
 * The `{templateId}` of a route path: a UUID in its plain 36-character spelling (ajv's `uuid` format
 * alone would also let `urn:uuid:…` through to the database). Anything else is 400 `VALIDATION_FAILED`
 * naming `templateId`, before any use case runs.
 */
export const TemplateIdParams = Type.Object({ templateId: Type.String({ format: 'uuid', maxLength: 36 }) }, { additionalProperties: false });
export type TemplateIdParams = Static<typeof TemplateIdParams>;

export const templateIdParams = new SchemaPipe(TemplateIdParams);
