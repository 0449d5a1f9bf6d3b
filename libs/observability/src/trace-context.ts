import { ROOT_CONTEXT, propagation, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';

/**
 * The W3C trace-context fields as they travel between processes: HTTP and AMQP headers, an event
 * envelope's `traceContext`, an outbox row's `trace_parent` / `trace_state` columns.
 */
export interface TraceContextFields {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/**
 * Longest `tracestate` kept, in and out: W3C asks for at least 512 characters to be kept, the SDK
 * keeps no more, and it is the outbox's `trace_state` column width. A longer one is dropped whole,
 * never cut, before anything splits or parses it.
 */
export const MAX_TRACESTATE_LENGTH = 512;

/**
 * A received `traceparent` longer than this is not parsed at all: later versions may append fields
 * to the 55 characters of version 00, within reason; a header kilobytes long is not one.
 */
const MAX_TRACEPARENT_LENGTH = 256;

/** Version 00, the only one we write: 55 characters, the outbox's `trace_parent` column width. */
const TRACEPARENT_V00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * Reads only the two trace-context fields, and only when each is a single string of sane length: the
 * sender (the internet at the gateway, whoever can publish to the broker, a row's nullable column) may
 * send many or huge ones, or other types (AMQP header values, parsed JSON).
 */
const boundedFields: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: () => ['traceparent', 'tracestate'],
  get(carrier, key) {
    const value = carrier[key];
    // Absent, null, repeated (an array: W3C says a repeated traceparent is invalid) or not text.
    if (typeof value !== 'string') return undefined;
    if (key === 'traceparent') return value.length <= MAX_TRACEPARENT_LENGTH ? value : undefined;
    if (key === 'tracestate') return value.length <= MAX_TRACESTATE_LENGTH ? value : undefined;
    return undefined;
  },
};

/**
 * The W3C trace context `carrier` holds, within the bounds above: HTTP request headers, AMQP message
 * headers, an envelope's `traceContext` (whatever JSON arrived), or an outbox row's columns
 * (`{ traceparent: row.trace_parent, tracestate: row.trace_state }`). The root context when there is
 * none, or it is malformed or oversized (the work then starts a trace of its own); never throws.
 * Tracing off, always the root context.
 */
export function extractTraceContext(carrier: unknown): Context {
  if (typeof carrier !== 'object' || carrier === null || Array.isArray(carrier)) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier as Readonly<Record<string, unknown>>, boundedFields);
}

/** Collects the two W3C fields into a fresh carrier, whatever else a propagator would add. */
const fieldsSetter: TextMapSetter<{ traceparent?: string; tracestate?: string }> = {
  set(carrier, key, value) {
    if (key === 'traceparent') carrier.traceparent = value;
    else if (key === 'tracestate') carrier.tracestate = value;
  },
};

/**
 * The trace context of `context`'s span as it is sent on (headers) or stored (an outbox row): a
 * version-00 `traceparent` and, when it has one of at most 512 characters, the `tracestate` (longer:
 * left out alone). `undefined` when there is no span to continue, or tracing is off.
 */
export function injectTraceContext(context: Context): TraceContextFields | undefined {
  const carrier: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(context, carrier, fieldsSetter);
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined || !TRACEPARENT_V00.test(traceparent)) return undefined;
  return tracestate && tracestate.length <= MAX_TRACESTATE_LENGTH ? { traceparent, tracestate } : { traceparent };
}

/**
 * The trace id of a version-00 `traceparent` (an outbox row's, a dead letter's header), read without
 * tracing being on (the dlq CLI); `undefined` for anything else, the invalid all-zero id included.
 */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const traceId = TRACEPARENT_V00.exec(traceparent)?.[1];
  return traceId === undefined || /^0+$/.test(traceId) ? undefined : traceId;
}
