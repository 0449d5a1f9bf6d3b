import { recordSpans as recordPlatformSpans, type ReadableSpan } from '@shop/observability/testing';

export type { ReadableSpan };

/** The spans a test made, through the platform's own `startTracing` (`recordSpans` of `@shop/observability/testing`). */
export interface RecordedSpans {
  /** Every ended span so far, in the order they ended. */
  all(): readonly ReadableSpan[];
  named(name: string): ReadableSpan[];
  /** The only span of that name; fails when there are none or several. */
  one(name: string): ReadableSpan;
  /** Turns tracing off again (unregisters everything), so that the next test starts clean. */
  stop(): Promise<void>;
}

export function recordSpans(service = 'spec'): RecordedSpans {
  const recorded = recordPlatformSpans(service);
  return {
    all: () => recorded.spans,
    named: (name) => recorded.spans.filter((span) => span.name === name),
    one: (name) => recorded.span(name),
    stop: () => recorded.stop(),
  };
}

export const spanIdOf = (span: ReadableSpan): string => span.spanContext().spanId;
export const traceIdOf = (span: ReadableSpan): string => span.spanContext().traceId;
export const parentIdOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
/** The `traceparent` a sampled span's context is written as. */
export const traceparentOf = (span: ReadableSpan): string => `00-${traceIdOf(span)}-${spanIdOf(span)}-01`;

/** Whether `ancestor` is `span`'s parent, or its parent's parent, … among `spans`. */
export function descendsFrom(span: ReadableSpan, ancestor: ReadableSpan, spans: readonly ReadableSpan[]): boolean {
  const byId = new Map(spans.map((candidate) => [spanIdOf(candidate), candidate]));
  for (let current: ReadableSpan | undefined = span; current; current = byId.get(parentIdOf(current) ?? '')) {
    if (parentIdOf(current) === spanIdOf(ancestor)) return true;
  }
  return false;
}
