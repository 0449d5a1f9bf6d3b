import type { ReadableSpan } from '@shop/observability/testing';

// Small readings of the spans `recordSpans` (@shop/observability/testing) keeps, for messaging's specs.

export const spanIdOf = (span: ReadableSpan): string => span.spanContext().spanId;
export const traceIdOf = (span: ReadableSpan): string => span.spanContext().traceId;
export const parentIdOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
/** The `traceparent` a sampled span's context is written as. */
export const traceparentOf = (span: ReadableSpan): string => `00-${traceIdOf(span)}-${spanIdOf(span)}-01`;

/** The spans named `name`, in the order they ended. */
export const spansNamed = (spans: readonly ReadableSpan[], name: string): ReadableSpan[] => spans.filter((span) => span.name === name);

/** Whether `ancestor` is `span`'s parent, or its parent's parent, … among `spans`. */
export function descendsFrom(span: ReadableSpan, ancestor: ReadableSpan, spans: readonly ReadableSpan[]): boolean {
  const byId = new Map(spans.map((candidate) => [spanIdOf(candidate), candidate]));
  for (let current: ReadableSpan | undefined = span; current; current = byId.get(parentIdOf(current) ?? '')) {
    if (parentIdOf(current) === spanIdOf(ancestor)) return true;
  }
  return false;
}
