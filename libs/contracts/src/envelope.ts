import type { Static, TSchema } from 'typebox';

/**
 * What travels on the wire for every integration event. On AMQP: `id` is the `messageId`, `type` is
 * the AMQP `type` and the routing key, the rest are headers, and the JSON body is `payload`.
 */
export interface EventEnvelope<P = unknown> {
  /** UUID, unique forever: the inbox deduplicates on it. */
  readonly id: string;
  /** `<context>.<event>.v<version>`, e.g. `order.placed.v1`. */
  readonly type: string;
  /** ISO-8601 instant. */
  readonly occurredAt: string;
  /** The service that produced it (`order`, `coupon`, …). */
  readonly source: string;
  readonly aggregateId: string;
  /** The id of the request that started the chain; follows it through every event it causes. */
  readonly correlationId: string;
  /** The id of the message (or request) that directly caused this one. */
  readonly causationId: string | null;
  /**
   * 1, 2, 3, … for the events of one aggregate, in the order its producer's outbox wrote them (gap-free
   * unless a dead outbox row was discarded). Not a global order. Absent on messages written before it
   * existed and on hand-built envelopes.
   */
  readonly sequence?: number;
  /**
   * The W3C trace context of the span that sent it (the relay's `send`), when the producer traces. On
   * AMQP it travels as the headers `traceparent` and `tracestate`. The consumer takes it off before the
   * envelope is checked against its schema and starts its `process` span as a child of it; a malformed
   * one is ignored (a new trace), never a failure. Handlers do not see it.
   */
  readonly traceContext?: TraceContext;
  readonly payload: P;
}

/** W3C Trace Context (https://www.w3.org/TR/trace-context/), as its two headers. */
export interface TraceContext {
  /** `00-<trace id>-<parent span id>-<flags>`. */
  readonly traceparent: string;
  /** Vendor entries, at most 512 characters. */
  readonly tracestate?: string;
}

/**
 * A schema built with TypeBox (`Type.Object(...)`): plain JSON Schema at run time (ajv compiles it),
 * with its TypeScript type derived by `Static`. The `~kind` brand (non-enumerable, so ajv never sees
 * it) keeps hand-written JSON Schema literals out, where the type would have to be kept in step by hand.
 */
export type ContractSchema = TSchema & { readonly '~kind': string };

/** A versioned event type and its JSON Schema: the published language between contexts. */
export interface EventContract<P = unknown> {
  readonly type: string;
  readonly schema: TSchema;
  /** Phantom field that carries the payload type; never set at run time. */
  readonly __payload?: P;
}

export type PayloadOf<C> = C extends EventContract<infer P> ? P : never;

/**
 * `defineEvent('order.placed.v1', Type.Object({ orderId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }))`:
 * the payload's type is the schema's static type, so the schema is written once.
 */
export const defineEvent = <const S extends ContractSchema>(type: string, schema: S): EventContract<Static<S>> => {
  if (!/^[a-z][a-z0-9-]*\.[a-z][a-z0-9.-]*\.v[1-9][0-9]*$/.test(type)) {
    throw new Error(`event type '${type}' must look like '<context>.<event>.v<version>'`);
  }
  return { type, schema };
};

/** Builds an outgoing event whose payload type is checked against its contract at compile time. */
export const eventOf = <P>(contract: EventContract<P>, aggregateId: string, payload: NoInfer<P>): { type: string; aggregateId: string; payload: P } => ({
  type: contract.type,
  aggregateId,
  payload,
});
