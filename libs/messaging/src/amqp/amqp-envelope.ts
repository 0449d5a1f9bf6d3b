import type { Message, Options } from 'amqplib';
import { EVENT_HEADERS, type EventEnvelope } from '@shop/contracts';

/** Header names on the wire: one definition in the contracts, which the AsyncAPI document describes too. */
export const HEADER = EVENT_HEADERS;

const FAILURE_HEADERS: readonly string[] = [HEADER.error, HEADER.attempts, HEADER.failedAt, HEADER.service];

export const JSON_CONTENT_TYPE = 'application/json';

/** Headers are limited to 64 KiB in all; an error message (with a stack, say) must not overflow them. */
const MAX_ERROR_LENGTH = 4_000;

export const bodyOf = (envelope: EventEnvelope): Buffer => Buffer.from(JSON.stringify(envelope.payload ?? null));

/** `timestampSeconds` is the AMQP `timestamp` (seconds since the epoch): when the message was sent. */
export function publishOptionsOf(envelope: EventEnvelope, timestampSeconds: number): Options.Publish {
  const headers: Record<string, string | number> = {
    [HEADER.source]: envelope.source,
    [HEADER.aggregateId]: envelope.aggregateId,
    [HEADER.correlationId]: envelope.correlationId,
    [HEADER.occurredAt]: envelope.occurredAt,
  };
  if (envelope.causationId !== null) headers[HEADER.causationId] = envelope.causationId;
  if (envelope.sequence !== undefined) headers[HEADER.sequence] = envelope.sequence;
  const { traceContext } = envelope;
  if (traceContext !== undefined) {
    headers[HEADER.traceparent] = traceContext.traceparent;
    if (traceContext.tracestate !== undefined) headers[HEADER.tracestate] = traceContext.tracestate;
  }
  return {
    persistent: true,
    contentType: JSON_CONTENT_TYPE,
    messageId: envelope.id,
    type: envelope.type,
    correlationId: envelope.correlationId,
    timestamp: timestampSeconds,
    headers,
  };
}

export class UnparseableBodyError extends Error {
  constructor(cause: unknown) {
    super(`unparseable body: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'UnparseableBodyError';
  }
}

// amqplib types header values `any`; what arrived is unknown until checked.
const headersOf = (message: Message): Readonly<Record<string, unknown>> => message.properties.headers ?? {};

const stringOrUndefined = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Rebuilds the candidate envelope from a delivery. Not validated here (the consumer pipeline checks it
 * against the schema registry); only a body that is not JSON fails, with `UnparseableBodyError`.
 */
export function envelopeOf(message: Message): EventEnvelope {
  let payload: unknown;
  try {
    payload = JSON.parse(message.content.toString('utf8'));
  } catch (error) {
    throw new UnparseableBodyError(error);
  }
  return { ...envelopeHeadersOf(message), payload };
}

/** Everything but the payload; never throws. */
export function envelopeHeadersOf(message: Message): Omit<EventEnvelope, 'payload'> {
  const headers = headersOf(message);
  const { properties } = message;
  const sequence: unknown = headers[HEADER.sequence];
  const traceparent: unknown = headers[HEADER.traceparent];
  const tracestate: unknown = headers[HEADER.tracestate];
  // amqplib types every property and header `any`: these are the values as they arrived, unchecked
  // here; the contract's schema check refuses a missing or mistyped one.
  const arrived: { [K in keyof Omit<EventEnvelope, 'payload'>]?: unknown } = {
    id: properties.messageId,
    type: properties.type,
    occurredAt: headers[HEADER.occurredAt],
    source: headers[HEADER.source],
    aggregateId: headers[HEADER.aggregateId],
    correlationId: properties.correlationId ?? headers[HEADER.correlationId],
    causationId: headers[HEADER.causationId] ?? null,
    // Whatever arrived is handed on (the schema check refuses a non-integer); a missing one stays missing.
    ...(sequence === undefined ? {} : { sequence }),
    // Handed on as it came: the consumer takes it off and checks it before anything parses it.
    ...(traceparent === undefined ? {} : { traceContext: tracestate === undefined ? { traceparent } : { traceparent, tracestate } }),
  };
  return arrived as Omit<EventEnvelope, 'payload'>;
}

export function attemptOf(message: Message): number {
  const attempt = headersOf(message)[HEADER.attempt];
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 1 ? attempt : 1;
}

export const originalRoutingKeyOf = (message: Message): string => stringOrUndefined(headersOf(message)[HEADER.originalRoutingKey]) ?? message.fields.routingKey;

/** The fields every log line about a message carries. */
export function logFieldsOf(message: Message): Record<string, unknown> {
  const headers = headersOf(message);
  return {
    messageId: message.properties.messageId,
    type: message.properties.type,
    correlationId: message.properties.correlationId ?? headers[HEADER.correlationId],
    causationId: headers[HEADER.causationId] ?? null,
  };
}

export const errorMessageOf = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message;
};

/**
 * A copy of a received message for republishing: same id, type and properties, our headers only.
 * The broker's own headers (`x-death`, `x-delivery-count`, …) are dropped: they describe the old
 * copy, and the broker expects to own their types when it dead-letters the new one.
 */
export function copyOptionsOf(message: Message, headerChanges: Record<string, unknown>): Options.Publish {
  const { properties } = message;
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headersOf(message))) {
    if (!name.startsWith('x-')) headers[name] = value;
  }
  for (const [name, value] of Object.entries(headerChanges)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  // The received properties go back out as they came (amqplib types them `any`).
  const copy: { [K in keyof Options.Publish]?: unknown } = {
    persistent: true,
    mandatory: true,
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    messageId: properties.messageId,
    type: properties.type,
    correlationId: properties.correlationId,
    timestamp: properties.timestamp,
    appId: properties.appId,
    headers,
  };
  return copy as Options.Publish;
}

/** The headers that undo a dead-lettering: attempt back to 1, failure details removed. */
export function replayHeaderChanges(replayedAt: string): Record<string, unknown> {
  const changes: Record<string, unknown> = { [HEADER.attempt]: 1, [HEADER.replayedAt]: replayedAt };
  for (const name of FAILURE_HEADERS) changes[name] = undefined;
  return changes;
}
