// startTracing's switch and its settings, on the real SDK: off registers nothing, on records, exports
// over OTLP/HTTP to a real local receiver, and shuts down within its deadline when the collector
// refuses or never answers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ProxyTracerProvider, ROOT_CONTEXT, SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpanRecorder, recordSpans } from '../test/support/index.js';
import { createLogger } from './logger.js';
import { MessageContext } from './message-context.js';
import { startTracing, tracingEnabled, type Tracing } from './tracing.js';

/**
 * The `OTEL_*` variables of a test, in `process.env` (where the SDK and the exporter read them), over a
 * blank slate: the shell's do not leak in. Undone after each test.
 */
function useEnv(env: Record<string, string> = {}): void {
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
}

let started: Tracing | undefined;
const start = (options: Parameters<typeof startTracing>[0], env: Record<string, string> = {}) => {
  useEnv(env);
  return (started = startTracing(options));
};
afterEach(async () => {
  await started?.shutdown();
  started = undefined;
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const silent = createLogger('test', { level: 'silent' });

/** Whether the global API is the untouched no-op one: no provider delegate, no context kept, nothing injected. */
function registersNothing(): boolean {
  const provider = trace.getTracerProvider() as ProxyTracerProvider;
  const span = trace.getTracer('probe').startSpan('probe');
  const key = Symbol('probe');
  const kept = context.with(ROOT_CONTEXT.setValue(key, 1), () => context.active().getValue(key));
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  span.end();
  return (
    provider instanceof ProxyTracerProvider &&
    provider.getDelegateTracer('probe') === undefined &&
    !span.isRecording() &&
    kept === undefined &&
    Object.keys(carrier).length === 0
  );
}

describe('startTracing, off', () => {
  it('is off by default and registers nothing: the API stays the no-op proxy', () => {
    expect(start({ service: 'order' }).enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(registersNothing()).toBe(true);
  });

  it('counts an empty variable as unset (compose passes ${VAR:-}), and none or OTEL_SDK_DISABLED keep it off', () => {
    for (const env of <Array<Record<string, string>>>[
      { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ' ', OTEL_TRACES_EXPORTER: '' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' },
      { OTEL_TRACES_EXPORTER: 'console', OTEL_SDK_DISABLED: 'true' },
    ]) {
      useEnv(env);
      expect(startTracing({ service: 'order' }).enabled, JSON.stringify(env)).toBe(false);
      expect(registersNothing()).toBe(true);
    }
  });
});

describe('startTracing, bad settings', () => {
  it.each([
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /OTEL_TRACES_EXPORTER must be otlp, console or none.*'jaeger'/],
    [{ OTEL_TRACES_EXPORTER: 'none,console' }, /OTEL_TRACES_EXPORTER cannot combine none/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http\(s\) URL/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL.*grpc/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
      /OTEL_EXPORTER_OTLP_PROTOCOL: only OTLP over HTTP with JSON.*'http\/protobuf'/,
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' },
      /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: only OTLP over HTTP with JSON/,
    ],
    [{ OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'ALWAYS_OFF' }, /OTEL_TRACES_SAMPLER must be one of/],
    [{ OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER must be one of/],
    [
      { OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
      /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/,
    ],
  ])('refuses %j with an error naming the variable, and registers nothing', (env, message) => {
    useEnv(env);
    expect(() => startTracing({ service: 'order' })).toThrow(message);
    expect(tracingEnabled()).toBe(false);
    expect(registersNothing()).toBe(true);
  });

  it('never echoes the credential of an endpoint URL it refuses', () => {
    useEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:s3cret@collector/?api-key=k3y' });
    expect(() => startTracing({ service: 'order' })).toThrow(/^(?!.*(s3cret|k3y))/s);
  });
});

describe('startTracing, on', () => {
  it('records spans with the service name, W3C propagation and an async context kept across awaits', async () => {
    const recorder = new SpanRecorder();
    expect(start({ service: 'order', exporter: recorder }).enabled).toBe(true);
    expect(tracingEnabled()).toBe(true);
    const tracer = trace.getTracer('spec');
    await tracer.startActiveSpan('outer', async (outer) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startSpan('inner').end();
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      expect(carrier['traceparent']).toBe(`00-${outer.spanContext().traceId}-${outer.spanContext().spanId}-01`);
      outer.end();
    });
    const [inner, outer] = recorder.spans;
    expect(inner!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(outer!.resource.attributes['service.name']).toBe('order');
  });

  it('names the resource after OTEL_SERVICE_NAME when set', () => {
    const recorder = new SpanRecorder();
    start({ service: 'order', exporter: recorder }, { OTEL_SERVICE_NAME: 'order-eu-1' });
    trace.getTracer('spec').startSpan('s').end();
    expect(recorder.spans[0]!.resource.attributes['service.name']).toBe('order-eu-1');
  });

  it('honours the sampler variables: always_off records nothing', () => {
    const recorder = new SpanRecorder();
    start({ service: 'order', exporter: recorder }, { OTEL_TRACES_SAMPLER: 'always_off' });
    const span = trace.getTracer('spec').startSpan('s');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(recorder.spans).toHaveLength(0);
  });

  it('writes each span as one JSON line to stderr with OTEL_TRACES_EXPORTER=console, never to stdout (the log’s), off the request path', async () => {
    const written: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      done?.();
      return true;
    });
    const stdout = vi.spyOn(process.stdout, 'write');
    const dir = vi.spyOn(console, 'dir');
    const tracing = start({ service: 'order', logger: silent }, { OTEL_TRACES_EXPORTER: 'console' });
    trace
      .getTracer('spec')
      .startSpan('GET /orders', { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders' } })
      .end();
    expect(written).toEqual([]); // batched: not written as the span ends
    await tracing.shutdown();
    stderr.mockRestore();
    const lines = written.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ span: 'GET /orders', kind: SpanKind.SERVER, service: 'order', attributes: { 'http.route': '/orders' } });
    expect(stdout).not.toHaveBeenCalled();
    expect(dir).not.toHaveBeenCalled();
  });

  it('refuses a second start while running; after shutdown a new start works and the old one is gone', async () => {
    const first = new SpanRecorder();
    const tracing = start({ service: 'one', exporter: first }, {});
    expect(() => startTracing({ service: 'two', exporter: new SpanRecorder() })).toThrow(/already started/);
    await tracing.shutdown();
    await tracing.shutdown(); // once is enough; again is harmless
    expect(tracingEnabled()).toBe(false);
    expect(registersNothing()).toBe(true);
    const second = new SpanRecorder();
    start({ service: 'two', exporter: second }, {});
    trace.getTracer('spec').startSpan('after').end();
    expect(first.spans).toHaveLength(0);
    expect(second.spans.map((span) => [span.name, span.resource.attributes['service.name']])).toEqual([['after', 'two']]);
  });

  it('puts traceId and spanId on log lines written inside a recording span, and only there', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('order', { level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const recorded = recordSpans('order');
    started = recorded.tracing;
    logger.info('outside');
    trace.getTracer('spec').startActiveSpan('work', (span) => {
      MessageContext.run({ correlationId: 'c-1', causationId: null }, () => logger.info('inside'));
      span.end();
    });
    const [outside, inside] = lines;
    expect(outside).not.toHaveProperty('traceId');
    expect(inside).toMatchObject({
      correlationId: 'c-1',
      traceId: recorded.span('work').spanContext().traceId,
      spanId: recorded.span('work').spanContext().spanId,
    });
  });
});

describe('startTracing, OTLP over HTTP', () => {
  let receiver: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
    receiver = undefined;
  });

  /** A collector on a free port: `answer` decides what it does with each export. */
  async function collector(answer: (request: IncomingMessage, body: string, respond: (status: number) => void) => void): Promise<string> {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => answer(request, body, (status) => response.writeHead(status, { 'content-type': 'application/json' }).end('{}')));
    });
    receiver.on('connection', (socket: Socket) => sockets.add(socket));
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  }

  it('is on with OTEL_EXPORTER_OTLP_ENDPOINT alone, and flushes the batch to <endpoint>/v1/traces as JSON on shutdown', async () => {
    const exports: Array<{ url: string; body: string }> = [];
    const endpoint = await collector((request, body, respond) => {
      exports.push({ url: request.url!, body });
      respond(200);
    });
    const tracing = start({ service: 'order', logger: silent }, { OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}/` });
    expect(tracing.enabled).toBe(true);
    trace.getTracer('spec').startSpan('POST /orders').end();
    expect(exports).toHaveLength(0); // batched, not sent on the span's end
    await tracing.shutdown();
    expect(exports).toHaveLength(1);
    expect(exports[0]!.url).toBe('/v1/traces');
    const sent = JSON.parse(exports[0]!.body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }> };
    expect(sent.resourceSpans[0]!.scopeSpans[0]!.spans.map((span) => span.name)).toEqual(['POST /orders']);
  });

  it('sends the headers of OTEL_EXPORTER_OTLP_HEADERS (the exporter reads its settings from the same environment)', async () => {
    const headers: IncomingMessage['headers'][] = [];
    const endpoint = await collector((request, _body, respond) => {
      headers.push(request.headers);
      respond(200);
    });
    const tracing = start({ service: 'order', logger: silent }, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k3y' });
    trace.getTracer('spec').startSpan('s').end();
    await tracing.shutdown();
    expect(headers.map((sent) => [sent['x-api-key'], sent['content-type']])).toEqual([['k3y', 'application/json']]);
  });

  it("says where spans go in one 'tracing on' line, without the endpoint's credentials or query", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('order', { level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const tracing = start(
      { service: 'order', logger },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:s3cret@collector.example/?api-key=k3y',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      },
    );
    await tracing.shutdown();
    expect(lines.find((line) => line['msg'] === 'tracing on')).toMatchObject({
      otlpEndpoint: 'https://…@collector.example/v1/traces',
      sampler: 'parentbased_traceidratio 0.25',
    });
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|k3y/);
  });

  it('lets OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json win over a general protocol meant for the other signals', async () => {
    const urls: string[] = [];
    const endpoint = await collector((request, _body, respond) => {
      urls.push(request.url!);
      respond(200);
    });
    const tracing = start(
      { service: 'order', logger: silent },
      { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
    );
    trace.getTracer('spec').startSpan('s').end();
    await tracing.shutdown();
    expect(urls).toEqual(['/v1/traces']);
  });

  it('takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as the full URL', async () => {
    const urls: string[] = [];
    const endpoint = await collector((request, _body, respond) => {
      urls.push(request.url!);
      respond(200);
    });
    const tracing = start({ service: 'order', logger: silent }, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/custom/traces` });
    trace.getTracer('spec').startSpan('s').end();
    await tracing.shutdown();
    expect(urls).toEqual(['/custom/traces']);
  });

  it('shuts down within its deadline when the collector takes the export and never answers, and warns once', async () => {
    let received = 0;
    const endpoint = await collector(() => void received++);
    const warnings: string[] = [];
    const logger = createLogger('order', { level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
    const tracing = start({ service: 'order', logger, shutdownTimeoutMs: 200 }, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    trace.getTracer('spec').startSpan('s').end();
    await tracing.shutdown();
    expect(received).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/not exported within the shutdown deadline/)]);
    expect(registersNothing()).toBe(true);
  });

  it('shuts down when nothing listens at the endpoint, the failure logged as a warning', async () => {
    const endpoint = await collector(() => undefined);
    await new Promise((resolve) => receiver!.close(resolve));
    receiver = undefined;
    const warnings: string[] = [];
    const logger = createLogger('order', { level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const tracing = start({ service: 'order', logger, shutdownTimeoutMs: 500 }, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    trace.getTracer('spec').startSpan('s').end();
    await tracing.shutdown();
    expect(warnings.length).toBeGreaterThan(0);
    expect(registersNothing()).toBe(true);
  });
});
