import { randomUUID } from 'node:crypto';
import { defineEvent, type EventContract } from '@shop/contracts';

export interface BenchOrderPlaced {
  orderId: string;
  userId: string;
  items: Array<{ sku: string; quantity: number; unitPriceCents: number }>;
  amountCents: number;
  currency: string;
}

/** A type of its own per run (`bench.order-placed-<run>.v1`): only this run's queue is bound to it. */
export const orderPlacedContract = (run: string): EventContract<BenchOrderPlaced> =>
  defineEvent<BenchOrderPlaced>(`bench.order-placed-${run}.v1`, {
    type: 'object',
    additionalProperties: false,
    required: ['orderId', 'userId', 'items', 'amountCents', 'currency'],
    properties: {
      orderId: { type: 'string', format: 'uuid' },
      userId: { type: 'string', format: 'uuid' },
      items: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['sku', 'quantity', 'unitPriceCents'],
          properties: {
            sku: { type: 'string', maxLength: 32 },
            quantity: { type: 'integer', minimum: 1 },
            unitPriceCents: { type: 'integer', minimum: 0 },
          },
        },
      },
      amountCents: { type: 'integer', minimum: 0 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    },
  });

const sku = (): string => `SKU-${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;

/** 200 bytes of JSON. */
export function orderPlaced(): BenchOrderPlaced {
  const item = { sku: sku(), quantity: 2, unitPriceCents: 1_299 };
  return { orderId: randomUUID(), userId: randomUUID(), items: [item], amountCents: item.quantity * item.unitPriceCents, currency: 'EUR' };
}
