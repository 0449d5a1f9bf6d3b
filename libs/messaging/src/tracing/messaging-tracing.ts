import {
  ROOT_CONTEXT,
  SpanStatusCode,
  propagation,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import type { TraceContext } from '@shop/contracts';
import { SHOP_CORRELATION_ID_ATTRIBUTE, SHOP_SERVICE_ATTRIBUTE } from '@shop/observability';
import type { PublishOutcome, Transport } from '../transport/transport.js';

/** Every span of the messaging backbone comes from this tracer. */
export const MESSAGING_TRACER = '@shop/messaging';

/**
 * Looked up at each use (once per batch or per write), never kept: a provider registered later (a test
 * starting tracing again) would otherwise be missed.
 */
export const messagingTracer = (): Tracer => trace.getTracer(MESSAGING_TRACER);

/**
 * The messaging semantic conventions' names (still "incubating" in @opentelemetry/semantic-conventions,
 * which advises copying them rather than importing the unstable entry point).
 */
export const MessagingAttribute = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destinationName: 'messaging.destination.name',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  consumerGroup: 'messaging.consumer.group.name',
  errorType: 'error.type',
} as const;

/** Ours: the two every span of the platform carries, and the consumer's. */
export const ShopAttribute = {
  service: SHOP_SERVICE_ATTRIBUTE,
  correlationId: SHOP_CORRELATION_ID_ATTRIBUTE,
  handler: 'shop.handler',
  /** 1 for the first delivery, 2 for the first retry, … */
  attempt: 'shop.delivery.attempt',
  /** What became of a delivery: handled, duplicate, invalid, failed, timed_out, transient. */
  outcome: 'shop.message.outcome',
} as const;

export type MessageOutcome = 'handled' | 'duplicate' | 'invalid' | 'failed' | 'timed_out' | 'transient';

export const messagingSystemOf = (kind: Transport['kind']): string => (kind === 'amqp' ? 'rabbitmq' : 'shop.memory');

/** Version 00 exactly, the only one we write: 55 characters, the `trace_parent` column's width. */
const TRACEPARENT_V00 = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** W3C's limit, and the `trace_state` column's width. Over it the state is dropped, never cut. */
export const MAX_TRACESTATE_LENGTH = 512;
/**
 * A received `traceparent` longer than this is not parsed at all. W3C lets later versions append
 * fields, so more than the 55 characters of version 00 may be valid; a header kilobytes long is not.
 */
const MAX_RECEIVED_TRACEPARENT_LENGTH = 256;

/** What an outbox row keeps of its `create` span: the two nullable columns. */
export interface StoredTraceContext {
  readonly traceParent: string | null;
  readonly traceState: string | null;
}

const NOT_STORED: StoredTraceContext = Object.freeze({ traceParent: null, traceState: null });

/** Writes only the two W3C fields into a fresh carrier, whatever else a configured propagator adds. */
const traceContextSetter: TextMapSetter<{ traceparent?: string; tracestate?: string }> = {
  set(carrier, key, value) {
    if (key === 'traceparent') carrier.traceparent = value;
    else if (key === 'tracestate') carrier.tracestate = value;
  },
};

/** The span's context as the registered propagator writes it; undefined when it writes no `traceparent`. */
export function traceContextOf(span: Span): TraceContext | undefined {
  const carrier: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, traceContextSetter);
  return carrier.traceparent === undefined ? undefined : (carrier as TraceContext);
}

/**
 * The span's context for the outbox row. A `traceparent` that is not W3C version 00 (a propagator
 * that writes something else) is never stored; a `tracestate` over 512 characters is dropped alone.
 */
export function storedTraceContextOf(span: Span): StoredTraceContext {
  const injected = traceContextOf(span);
  if (!injected || !TRACEPARENT_V00.test(injected.traceparent)) return NOT_STORED;
  const state = injected.tracestate;
  return { traceParent: injected.traceparent, traceState: state && state.length <= MAX_TRACESTATE_LENGTH ? state : null };
}

/**
 * A received trace context, checked before anything parses it: strings only, of sane length. An
 * unusable `traceparent` means no context (the consumer starts a new trace); an oversized or
 * non-string `tracestate` is left out alone. Never throws, whatever arrived.
 */
export function receivedTraceContextOf(candidate: unknown): TraceContext | undefined {
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const { traceparent, tracestate } = candidate as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== 'string' || traceparent.length > MAX_RECEIVED_TRACEPARENT_LENGTH) return undefined;
  return typeof tracestate === 'string' && tracestate.length <= MAX_TRACESTATE_LENGTH ? { traceparent, tracestate } : { traceparent };
}

const traceContextGetter: TextMapGetter<TraceContext> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (key === 'traceparent' ? carrier.traceparent : key === 'tracestate' ? carrier.tracestate : undefined),
};

/**
 * The context a consumer's span is a child of: the one the message carries, else none (a new trace).
 * Based on the root context, never on whatever is active where the transport delivers from (in the
 * embedded mode that is the producer's relay).
 */
export function parentContextOf(received: TraceContext | undefined): Context {
  return received ? propagation.extract(ROOT_CONTEXT, received, traceContextGetter) : ROOT_CONTEXT;
}

/** Ends a span with the error that ended its work: status ERROR, the message, the exception event. */
export function endWithError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setAttribute(MessagingAttribute.errorType, error instanceof Error ? error.name : 'Error');
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

/** A publish's span ends at its confirm: as it is on success, ERROR on a nack, a return or a timeout. */
export function endWithOutcome(span: Span, outcome: PublishOutcome): void {
  if (outcome.ok) span.end();
  else endWithError(span, outcome.error);
}
