import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Message } from 'amqplib';
import { asyncApiDocument } from '@shop/contracts';
import { anEnvelope } from '@shop/testing';
import { HEADER, envelopeOf, publishOptionsOf } from './amqp-envelope.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** What a consumer receives for a publish with `options` (the broker hands properties and headers back as sent). */
const delivered = (options: ReturnType<typeof publishOptionsOf>, body = '{}'): Message =>
  ({ content: Buffer.from(body), fields: { routingKey: options.type }, properties: { ...options, headers: options.headers } }) as unknown as Message;

describe('the envelope on AMQP', () => {
  it('sends the trace context as traceparent and tracestate, and gives it back as it came', () => {
    const traced = anEnvelope('test.noted.v1', { traceContext: { traceparent: TRACEPARENT, tracestate: 'shop=1' } });
    const options = publishOptionsOf(traced, 0);
    expect(options.headers).toMatchObject({ [HEADER.traceparent]: TRACEPARENT, [HEADER.tracestate]: 'shop=1' });
    expect(envelopeOf(delivered(options)).traceContext).toEqual({ traceparent: TRACEPARENT, tracestate: 'shop=1' });

    const withoutState = publishOptionsOf(anEnvelope('test.noted.v1', { traceContext: { traceparent: TRACEPARENT } }), 0);
    expect(withoutState.headers).not.toHaveProperty(HEADER.tracestate);
    expect(envelopeOf(delivered(withoutState)).traceContext).toEqual({ traceparent: TRACEPARENT });
  });

  it('sends no trace header for an envelope without a context, and rebuilds none', () => {
    const options = publishOptionsOf(anEnvelope('test.noted.v1'), 0);
    expect(Object.keys(options.headers as object)).not.toEqual(expect.arrayContaining([HEADER.traceparent]));
    expect(envelopeOf(delivered(options))).not.toHaveProperty('traceContext');
  });

  it('hands on whatever trace headers arrived, unchecked (the consumer checks them)', () => {
    const options = publishOptionsOf(anEnvelope('test.noted.v1'), 0);
    const odd = delivered({ ...options, headers: { ...options.headers, traceparent: 42, tracestate: Buffer.from('x') } });
    expect(envelopeOf(odd).traceContext).toEqual({ traceparent: 42, tracestate: Buffer.from('x') });
  });

  // The AsyncAPI document (libs/contracts, which cannot import messaging) describes these headers: it must not drift.
  it('writes only headers the AsyncAPI document describes', () => {
    const everything = anEnvelope('test.noted.v1', {
      causationId: randomUUID(),
      sequence: 3,
      traceContext: { traceparent: TRACEPARENT, tracestate: 'shop=1' },
    });
    const written = Object.keys(publishOptionsOf(everything, 0).headers as object);
    const described = asyncApiDocument().components.schemas['EventHeaders'] as { properties: Record<string, unknown> };
    expect(written).toHaveLength(8);
    expect(Object.keys(described.properties)).toEqual(expect.arrayContaining(written));
  });
});
