// Types only from the SDK packages: under the specs' '@shop/source'/'module' resolution their ESM
// builds do not load (extensionless imports); tracing.ts loads their CommonJS builds itself.
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from '../../src/tracing.js';

export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Keeps every span it is given, also after shutdown (the SDK's in-memory exporter forgets them then). */
export class SpanRecorder implements SpanExporter {
  readonly spans: ReadableSpan[] = [];

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    resultCallback({ code: 0 }); // ExportResultCode.SUCCESS
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface RecordedSpans {
  readonly tracing: Tracing;
  /** The spans ended so far, in the order they ended. */
  readonly spans: readonly ReadableSpan[];
  /** The one ended span named `name` (throws when there is none, or more than one). */
  span(name: string): ReadableSpan;
  /** The ended spans whose parent is `parent`. */
  childrenOf(parent: ReadableSpan): ReadableSpan[];
  /** Forgets the spans recorded so far. */
  clear(): void;
  /** Shuts tracing down (the spans stay readable), so that the next test may start it again. */
  stop(): Promise<void>;
}

/**
 * Turns tracing on for a test with every span kept in memory as it ends. The sampler comes from
 * `OTEL_TRACES_SAMPLER` as in production (unset: every span recorded); a test that wants another
 * stubs it (`vi.stubEnv`) first.
 */
export function recordSpans(service = 'test'): RecordedSpans {
  const recorder = new SpanRecorder();
  const tracing = startTracing({ service, exporter: recorder });
  return {
    tracing,
    get spans() {
      return recorder.spans;
    },
    span(name) {
      const found = recorder.spans.filter((span) => span.name === name);
      if (found.length !== 1)
        throw new Error(`expected one span named '${name}', found ${found.length} among: ${recorder.spans.map((s) => s.name).join(', ')}`);
      return found[0]!;
    },
    childrenOf(parent) {
      const { traceId, spanId } = parent.spanContext();
      return recorder.spans.filter((span) => span.parentSpanContext?.traceId === traceId && span.parentSpanContext.spanId === spanId);
    },
    clear() {
      recorder.spans.length = 0;
    },
    stop: () => tracing.shutdown(),
  };
}
