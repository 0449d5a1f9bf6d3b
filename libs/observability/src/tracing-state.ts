import { trace } from '@opentelemetry/api';

let enabled = false;

/**
 * Whether `startTracing` turned tracing on in this process (and it is not shut down). Every hot path
 * that would make a span, format a trace context or look one up asks this first: when off, it does
 * nothing else at all.
 */
export const tracingEnabled = (): boolean => enabled;

/** `startTracing` and its shutdown only. */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

/** The ids of the recording span active here, for log lines; `undefined` when tracing is off or no span records. */
export function activeSpanIds(): { readonly traceId: string; readonly spanId: string } | undefined {
  if (!enabled) return undefined;
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
