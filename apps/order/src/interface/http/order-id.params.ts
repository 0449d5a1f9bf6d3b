import { Type, type Static } from '@shop/contracts';
import { SchemaPipe } from '@shop/http';

/**
 * The `{orderId}` of a route path: a UUID in its plain 36-character spelling (ajv's `uuid` format
 * alone would also let `urn:uuid:…` through to the database). Anything else is 400 `VALIDATION_FAILED`
 * naming `orderId`, before any use case runs.
 */
export const OrderIdParams = Type.Object({ orderId: Type.String({ format: 'uuid', maxLength: 36 }) }, { additionalProperties: false });
export type OrderIdParams = Static<typeof OrderIdParams>;

export const orderIdParams = new SchemaPipe(OrderIdParams);
