// The one bounded reader and writer of W3C trace context, on the real SDK's propagator: the same
// limits for HTTP headers, AMQP headers, an envelope's traceContext and an outbox row's columns.
import { ROOT_CONTEXT, TraceFlags, trace, type TraceState } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordSpans, type RecordedSpans } from '../test/support/index.js';
import { MAX_TRACESTATE_LENGTH, extractTraceContext, injectTraceContext, traceIdOf } from './trace-context.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

/** A valid tracestate of exactly `length` characters: members of 50 characters, the last one padded. */
function tracestateOf(length: number): string {
  const members: string[] = [];
  let left = length;
  for (let i = 0; left > 0; i++) {
    const size = left > 101 ? 50 : left - (members.length > 0 ? 1 : 0);
    members.push(`m${String(i).padStart(2, '0')}=${'v'.repeat(size - 4)}`);
    left -= size + (members.length > 1 ? 1 : 0);
  }
  return members.join(',');
}

describe('trace context, tracing on', () => {
  let recorded: RecordedSpans;
  beforeEach(() => {
    recorded = recordSpans('order');
  });
  afterEach(() => recorded.stop());

  const parentOf = (carrier: unknown) => trace.getSpanContext(extractTraceContext(carrier));

  it('extracts the context of HTTP or AMQP headers, an envelope field or an outbox row alike', () => {
    expect(parentOf({ traceparent: TRACEPARENT, tracestate: 'v=1', other: 'x' })).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
    expect(parentOf({ traceparent: TRACEPARENT, tracestate: 'v=1' })?.traceState?.get('v')).toBe('1');
    // An outbox row's nullable columns.
    expect(parentOf({ traceparent: TRACEPARENT, tracestate: null })).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
    expect(extractTraceContext({ traceparent: null, tracestate: null })).toBe(ROOT_CONTEXT);
  });

  it(`keeps a tracestate of ${MAX_TRACESTATE_LENGTH} characters and drops a longer one whole, the trace still continued`, () => {
    const longest = tracestateOf(MAX_TRACESTATE_LENGTH);
    expect(parentOf({ traceparent: TRACEPARENT, tracestate: longest })?.traceState?.serialize()).toBe(longest);
    const over = parentOf({ traceparent: TRACEPARENT, tracestate: tracestateOf(MAX_TRACESTATE_LENGTH + 1) });
    expect(over).toMatchObject({ traceId: TRACE_ID });
    expect(over?.traceState).toBeUndefined();
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string (hostile JSON for an envelope field)', TRACEPARENT],
    ['an array', [TRACEPARENT]],
    ['no fields', {}],
    ['bytes (an AMQP header)', { traceparent: Buffer.from(TRACEPARENT) }],
    ['a repeated header', { traceparent: [TRACEPARENT, TRACEPARENT] }],
    ['a number', { traceparent: 42 }],
    ['an oversized later version', { traceparent: `01${TRACEPARENT.slice(2)}-${'x'.repeat(300)}` }],
    ['garbage', { traceparent: 'garbage' }],
    ['the all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }],
  ])('gives the root context for %s, never an error', (_what, carrier) => {
    expect(extractTraceContext(carrier)).toBe(ROOT_CONTEXT);
  });

  it('injects a span context as a version-00 traceparent and its tracestate, leaving out a tracestate over the bound', () => {
    const span = trace.getTracer('spec').startSpan('create order.placed.v1');
    const { traceId, spanId } = span.spanContext();
    expect(injectTraceContext(trace.setSpan(ROOT_CONTEXT, span))).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    span.end();
    const remote = (tracestate: string) => extractTraceContext({ traceparent: TRACEPARENT, tracestate });
    expect(injectTraceContext(remote('a=1,b=2'))).toEqual({ traceparent: TRACEPARENT, tracestate: 'a=1,b=2' });
    // The SDK's TraceState stops at 512 itself; another implementation (a vendor's) may not.
    const oversized: TraceState = {
      set: () => oversized,
      unset: () => oversized,
      get: () => undefined,
      serialize: () => tracestateOf(MAX_TRACESTATE_LENGTH + 1),
    };
    const received = trace.getSpanContext(remote('a=1'))!;
    expect(injectTraceContext(trace.setSpanContext(ROOT_CONTEXT, { ...received, traceState: oversized }))).toEqual({ traceparent: TRACEPARENT });
    expect(injectTraceContext(ROOT_CONTEXT)).toBeUndefined();
  });
});

describe('trace context, tracing off', () => {
  it('extracts nothing and injects nothing', () => {
    expect(extractTraceContext({ traceparent: TRACEPARENT })).toBe(ROOT_CONTEXT);
    const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
    expect(injectTraceContext(context)).toBeUndefined();
  });

  it('traceIdOf reads the trace id of a version-00 traceparent without tracing, and nothing else', () => {
    expect(traceIdOf(TRACEPARENT)).toBe(TRACE_ID);
    for (const odd of [
      undefined,
      null,
      42,
      '',
      'garbage',
      `01-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
      `${TRACEPARENT}-x`,
      TRACEPARENT.toUpperCase(),
    ])
      expect(traceIdOf(odd), String(odd)).toBeUndefined();
  });
});
