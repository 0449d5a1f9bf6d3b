import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '@shop/observability';

/** The spans a test made, through the platform's own `startTracing` with an in-memory exporter. */
export interface RecordedSpans {
  /** Every ended span so far, in the order they ended. */
  all(): ReadableSpan[];
  named(name: string): ReadableSpan[];
  /** The only span of that name; fails when there are none or several. */
  one(name: string): ReadableSpan;
  /** Turns tracing off again (unregisters everything), so that the next test starts clean. */
  stop(): Promise<void>;
}

export function recordSpans(service = 'spec'): RecordedSpans {
  const exporter = new InMemorySpanExporter();
  // No OTEL_* variables of the machine running the tests: the exporter given is the only one.
  const tracing = startTracing({ service, env: {}, exporter });
  if (!tracing.enabled) throw new Error('tracing did not start');
  const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);
  return {
    all: () => exporter.getFinishedSpans(),
    named,
    one(name) {
      const found = named(name);
      if (found.length !== 1) {
        const seen = exporter.getFinishedSpans().map((span) => span.name);
        throw new Error(`expected one span '${name}', found ${found.length} among [${seen.join(', ')}]`);
      }
      return found[0]!;
    },
    stop: () => tracing.shutdown(),
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
