// Server spans on a real Nest app on a real port, configured by configureHttpApp as every service and
// the gateway are: the span per request, the caller's trace continued, the controller's work inside
// the span's context (across Nest's pipeline, a read body and awaits), and hostile trace headers.
import { request as httpRequest } from 'node:http';
import { Body, Controller, Get, Headers, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { createLogger, tracingEnabled } from '@shop/observability';
import { recordSpans, type RecordedSpans, type ReadableSpan } from '@shop/observability/testing';
import { DomainError } from '@shop/shared-kernel';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureHttpApp, createHttpAdapter } from '../configure-http-app.js';
import type { CallerTrace } from './server-spans.js';

const logLines: Array<Record<string, unknown>> = [];
const logger = createLogger('test', { level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller()
class TracedController {
  @Get('items/:id')
  async item(@Param('id') id: string) {
    await delay(2);
    trace.getTracer('spec').startSpan('item work').end();
    logger.info({ id }, 'item read');
    return { id };
  }

  @Post('items')
  async create(@Body() body: { name: string }) {
    await delay(2);
    return trace.getTracer('spec').startActiveSpan('create work', async (span) => {
      await delay(1);
      span.end();
      return { name: body.name };
    });
  }

  /** The trace headers the handler (the gateway's forwarder) would pass on. */
  @Get(['trace-headers', 'trace-headers/metrics'])
  traceHeaders(@Headers('traceparent') traceparent?: string, @Headers('tracestate') tracestate?: string) {
    return { traceparent: traceparent ?? null, tracestate: tracestate ?? null };
  }

  @Get('health/ready')
  ready() {
    trace.getTracer('spec').startSpan('probe work').end();
    return { status: 'ready' };
  }

  @Get('conflict')
  conflict() {
    throw new DomainError('SOLD_OUT', 'No coupon left.');
  }

  @Get('boom')
  async boom() {
    await delay(1);
    throw new Error('broken');
  }
}

@Module({ controllers: [TracedController] })
class TracedModule {}

async function startApp(options: { requestContext?: boolean; callerTrace?: CallerTrace } = {}): Promise<{ app: NestFastifyApplication; base: string }> {
  const app = await NestFactory.create<NestFastifyApplication>(TracedModule, createHttpAdapter(), { bodyParser: false, logger: false });
  configureHttpApp(app, { service: 'order', logger, gatewayOnly: false, domainErrorStatus: { SOLD_OUT: 409 }, ...options });
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** A GET with raw headers, as a hostile client may send them (fetch would refuse or merge some). */
function rawGet(url: string, headers: Record<string, string | string[]>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    });
    request.on('error', reject);
    request.end();
  });
}

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

describe('server spans, tracing on', () => {
  let recorded: RecordedSpans;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    recorded = recordSpans('order');
    ({ app, base } = await startApp());
  });
  afterAll(async () => {
    await app.close();
    await recorded.stop();
  });
  beforeEach(() => {
    recorded.clear();
    logLines.length = 0;
  });

  /** The server span, once the response's connection events have ended it. */
  async function serverSpan(): Promise<ReadableSpan> {
    for (let i = 0; i < 100 && !recorded.spans.some((span) => span.kind === SpanKind.SERVER); i++) await delay(5);
    const spans = recorded.spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(spans).toHaveLength(1);
    return spans[0]!;
  }

  it('makes one SERVER span per request named after the route template, with the semantic attributes, the service and the correlation id', async () => {
    const response = await fetch(`${base}/items/42?secret=token`, { headers: { 'x-correlation-id': 'corr-1' } });
    expect(response.status).toBe(200);
    const span = await serverSpan();
    expect(span.name).toBe('GET /items/:id');
    expect(span.instrumentationScope.name).toBe('@shop/http');
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'url.path': '/items/42',
      'url.scheme': 'http',
      'server.port': Number(new URL(base).port),
      'http.response.status_code': 200,
      'shop.service': 'order',
      'shop.correlation_id': 'corr-1',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.parentSpanContext).toBeUndefined(); // no caller trace: the request starts one
  });

  it("runs the controller inside the span's context, across Nest's pipeline and awaits: its spans are children, its log lines carry the trace", async () => {
    await fetch(`${base}/items/7`);
    const server = await serverSpan();
    expect(recorded.childrenOf(server).map((span) => span.name)).toEqual(['item work']);
    const line = logLines.find((entry) => entry['msg'] === 'item read');
    expect(line).toMatchObject({ traceId: server.spanContext().traceId, spanId: server.spanContext().spanId, correlationId: expect.any(String) });
  });

  it('keeps the context past a request body being read', async () => {
    const response = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mug' }) });
    expect(response.status).toBe(201);
    const server = await serverSpan();
    expect(server.name).toBe('POST /items');
    expect(recorded.childrenOf(server).map((span) => span.name)).toEqual(['create work']);
  });

  it("continues the caller's trace (traceparent, tracestate)", async () => {
    await fetch(`${base}/items/1`, { headers: { traceparent: CALLER_TRACEPARENT, tracestate: 'vendor=abc' } });
    const span = await serverSpan();
    expect(span.spanContext().traceId).toBe(CALLER_TRACE);
    expect(span.parentSpanContext).toMatchObject({ traceId: CALLER_TRACE, spanId: CALLER_SPAN, isRemote: true });
    expect(span.spanContext().traceState?.get('vendor')).toBe('abc');
  });

  it('marks a 5xx as ERROR with error.type, and leaves a 4xx (the caller’s mistake) unset', async () => {
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    const failed = await serverSpan();
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' });
    recorded.clear();
    expect((await fetch(`${base}/conflict`)).status).toBe(409);
    const refused = await serverSpan();
    expect(refused.status.code).toBe(SpanStatusCode.UNSET);
    expect(refused.attributes['http.response.status_code']).toBe(409);
  });

  it('names an unmatched path by its method alone, without http.route', async () => {
    expect((await fetch(`${base}/nowhere/at/all`)).status).toBe(404);
    const span = await serverSpan();
    expect(span.name).toBe('GET');
    expect(span.attributes).not.toHaveProperty('http.route');
    expect(span.attributes['http.response.status_code']).toBe(404);
  });

  it('makes no span for a health probe: the probe runs outside any trace', async () => {
    expect((await fetch(`${base}/health/ready`, { headers: { traceparent: CALLER_TRACEPARENT } })).status).toBe(200);
    expect((await fetch(`${base}/items/5`)).status).toBe(200); // a traced request after it, to wait for
    await serverSpan();
    expect(recorded.span('probe work').parentSpanContext).toBeUndefined();
    expect(recorded.spans.filter((span) => span.kind === SpanKind.SERVER).map((span) => span.name)).toEqual(['GET /items/:id']);
  });

  it.each([
    ['a malformed traceparent', { traceparent: '00-not-a-trace-01' }],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${CALLER_SPAN}-01` }],
    ['a repeated traceparent', { traceparent: [CALLER_TRACEPARENT, `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`] }],
    ['a huge traceparent of a later version', { traceparent: `01-${CALLER_TRACE}-${CALLER_SPAN}-01-${'x'.repeat(4_000)}` }],
  ])('starts a trace of its own on %s, and answers as usual', async (_what, headers) => {
    expect(await rawGet(`${base}/items/1`, headers)).toBe(200);
    const span = await serverSpan();
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(CALLER_TRACE);
  });

  it('drops a huge tracestate whole (the trace still continues), and keeps no more than 32 members of a long one', async () => {
    expect(await rawGet(`${base}/items/1`, { traceparent: CALLER_TRACEPARENT, tracestate: `a=${'b'.repeat(5_000)}` })).toBe(200);
    const huge = await serverSpan();
    expect(huge.spanContext().traceId).toBe(CALLER_TRACE);
    expect(huge.spanContext().traceState).toBeUndefined();
    recorded.clear();
    const many = Array.from({ length: 60 }, (_, i) => `k${i}=v`).join(',');
    expect(await rawGet(`${base}/items/1`, { traceparent: CALLER_TRACEPARENT, tracestate: many })).toBe(200);
    expect((await serverSpan()).spanContext().traceState?.serialize().split(',')).toHaveLength(32);
  });
});

describe('server spans, gateway-style app (no MessageContext)', () => {
  it('still runs the handler inside the span', async () => {
    const recorded = recordSpans('gateway');
    const { app, base } = await startApp({ requestContext: false });
    try {
      await fetch(`${base}/items/3`);
      for (let i = 0; i < 100 && recorded.spans.length < 2; i++) await delay(5);
      const server = recorded.spans.find((span) => span.kind === SpanKind.SERVER)!;
      expect(recorded.childrenOf(server).map((span) => span.name)).toEqual(['item work']);
    } finally {
      await app.close();
      await recorded.stop();
    }
  });
});

describe("server spans, callerTrace 'link' (the gateway facing the internet)", () => {
  let recorded: RecordedSpans;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    recorded = recordSpans('gateway');
    ({ app, base } = await startApp({ requestContext: false, callerTrace: 'link' }));
  });
  afterAll(async () => {
    await app.close();
    await recorded.stop();
  });
  beforeEach(() => recorded.clear());

  async function serverSpan(): Promise<ReadableSpan> {
    for (let i = 0; i < 100 && !recorded.spans.some((span) => span.kind === SpanKind.SERVER); i++) await delay(5);
    const spans = recorded.spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(spans).toHaveLength(1);
    return spans[0]!;
  }

  it.each([
    ['sampled', '01'],
    ['not sampled (a client switching tracing off)', '00'],
  ])("starts a trace of its own, recorded by the gateway's sampler, linked to the client's context (%s) without its tracestate", async (_what, flags) => {
    const response = await fetch(`${base}/trace-headers`, { headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-${flags}`, tracestate: 'vendor=abc' } });
    expect(await response.json()).toEqual({ traceparent: null, tracestate: null });
    const span = await serverSpan();
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(CALLER_TRACE);
    expect(span.spanContext().traceState).toBeUndefined();
    expect(span.links).toHaveLength(1);
    expect(span.links[0]!.context).toMatchObject({ traceId: CALLER_TRACE, spanId: CALLER_SPAN, isRemote: true });
    expect(span.links[0]!.context.traceState).toBeUndefined();
  });

  it('makes one trace per request even when every request names the same client trace', async () => {
    const traceIds = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await fetch(`${base}/items/${i}`, { headers: { traceparent: CALLER_TRACEPARENT } });
      traceIds.add((await serverSpan()).spanContext().traceId);
      recorded.clear();
    }
    expect(traceIds.size).toBe(3);
  });

  it('links nothing when the client sent no usable context', async () => {
    await fetch(`${base}/items/1`, { headers: { traceparent: 'garbage', tracestate: 'vendor=abc' } });
    expect((await serverSpan()).links).toEqual([]);
  });

  it('drops them on an untraced route (a scrape) too, making no span', async () => {
    const response = await fetch(`${base}/trace-headers/metrics`, { headers: { traceparent: CALLER_TRACEPARENT, tracestate: 'vendor=abc' } });
    expect(await response.json()).toEqual({ traceparent: null, tracestate: null });
    await fetch(`${base}/items/5`); // a traced request after it, to wait for
    expect((await serverSpan()).name).toBe('GET /items/:id');
  });
});

describe('server spans, tracing off', () => {
  it('adds no hook: an app configured while off makes no server span, and its handler runs in no span', async () => {
    expect(tracingEnabled()).toBe(false);
    const { app, base } = await startApp();
    // Turned on afterwards, only to watch: the app configured while off has no hook to make a span.
    const recorded = recordSpans('order');
    try {
      const response = await fetch(`${base}/items/9`, { headers: { traceparent: CALLER_TRACEPARENT } });
      expect(response.status).toBe(200);
      await delay(20);
      expect(recorded.spans.map((span) => [span.name, span.parentSpanContext])).toEqual([['item work', undefined]]);
    } finally {
      await app.close();
      await recorded.stop();
    }
  });

  it("callerTrace 'link': adds only the hook that drops the client's trace headers, so that nothing passes them on", async () => {
    expect(tracingEnabled()).toBe(false);
    const { app, base } = await startApp({ requestContext: false, callerTrace: 'link' });
    try {
      const response = await fetch(`${base}/trace-headers`, { headers: { traceparent: CALLER_TRACEPARENT, tracestate: 'vendor=abc' } });
      expect(await response.json()).toEqual({ traceparent: null, tracestate: null });
    } finally {
      await app.close();
    }
  });

  it("callerTrace 'continue' (a service): the headers reach the handler as they came", async () => {
    const { app, base } = await startApp();
    try {
      const response = await fetch(`${base}/trace-headers`, { headers: { traceparent: CALLER_TRACEPARENT, tracestate: 'vendor=abc' } });
      expect(await response.json()).toEqual({ traceparent: CALLER_TRACEPARENT, tracestate: 'vendor=abc' });
    } finally {
      await app.close();
    }
  });
});
