import { describe, expect, it } from 'vitest';
import { EventSchemaRegistry, paymentContext, PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import type { PaymentEvent } from '../domain/payment.events.js';
import { paymentIntegrationEvents } from './payment.integration-events.js';

const registry = new EventSchemaRegistry([PaymentSucceededV1, PaymentFailedV1, PaymentRefundedV1]);
const at = new Date('2026-02-01T08:00:00.000Z');
const ids = { aggregateId: newId(), orderId: newId(), userId: newId() };

const EVERY_EVENT: PaymentEvent[] = [
  { type: 'PaymentSucceeded', occurredAt: at, ...ids, amount: 12_000 },
  { type: 'PaymentFailed', occurredAt: at, ...ids, amount: 12_000, reason: 'EXPIRED' },
  { type: 'PaymentRefunded', occurredAt: at, ...ids, amount: 0 },
];

describe('paymentIntegrationEvents', () => {
  it('maps each domain event to the one contract event, keyed by the payment, valid against its schema', () => {
    const mapped = EVERY_EVENT.flatMap((event) => paymentIntegrationEvents(event));
    expect(mapped.map((event) => event.type)).toEqual(['payment.succeeded.v1', 'payment.failed.v1', 'payment.refunded.v1']);
    for (const event of mapped) {
      expect(event.aggregateId).toBe(ids.aggregateId);
      expect(() => registry.validatePayload(event.type, event.payload), event.type).not.toThrow();
    }
    expect(mapped[1]!.payload).toEqual({
      paymentId: ids.aggregateId,
      orderId: ids.orderId,
      userId: ids.userId,
      amount: 12_000,
      reason: 'EXPIRED',
      failedAt: at.toISOString(),
    });
  });

  it('publishes exactly the events the payment context declares', () => {
    const published = new Set(EVERY_EVENT.flatMap((event) => paymentIntegrationEvents(event)).map((event) => event.type));
    expect([...published].sort()).toEqual(paymentContext.events.map((event) => event.type).sort());
  });

  it('throws for a domain event it has no case for (only past the type checker)', () => {
    expect(() => paymentIntegrationEvents({ type: 'PaymentVanished', aggregateId: 'x', occurredAt: at } as never)).toThrow(/PaymentVanished/);
  });
});
