import { randomUUID } from 'node:crypto';
import { Type, defineEvent, type Static } from '@shop/contracts';

const BenchOrderPlaced = Type.Object(
  {
    orderId: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    items: Type.Array(
      Type.Object(
        { sku: Type.String({ maxLength: 32 }), quantity: Type.Integer({ minimum: 1 }), unitPriceCents: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    amountCents: Type.Integer({ minimum: 0 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  { additionalProperties: false },
);
export type BenchOrderPlaced = Static<typeof BenchOrderPlaced>;

/** A type of its own per run (`bench.order-placed-<run>.v1`): only this run's queue is bound to it. */
export const orderPlacedContract = (run: string) => defineEvent(`bench.order-placed-${run}.v1`, BenchOrderPlaced);

const sku = (): string => `SKU-${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;

/** 200 bytes of JSON. */
export function orderPlaced(): BenchOrderPlaced {
  const item = { sku: sku(), quantity: 2, unitPriceCents: 1_299 };
  return { orderId: randomUUID(), userId: randomUUID(), items: [item], amountCents: item.quantity * item.unitPriceCents, currency: 'EUR' };
}
