import { createRequire } from 'node:module';
import { DiagLogLevel, context, diag, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import type * as OtelCore from '@opentelemetry/core';
import type * as OtlpHttpExporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as PgInstrumentationModule from '@opentelemetry/instrumentation-pg';
import type * as OtelResources from '@opentelemetry/resources';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportResult } from '@opentelemetry/core';
import type * as SdkTraceNode from '@opentelemetry/sdk-trace-node';
import { withDeadline } from '@shop/shared-kernel';
import { createLogger, type Logger } from './logger.js';
import { setTracingEnabled } from './tracing-state.js';

export { tracingEnabled } from './tracing-state.js';
export type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** The resource's `service.name` (`OTEL_SERVICE_NAME` wins). */
  readonly service: string;
  /**
   * Tests: every span goes here as it ends (no batching), whatever the variables say about exporters.
   * The sampler variables still apply.
   */
  readonly exporter?: SpanExporter;
  /** Where the SDK's own warnings go (an exporter that cannot deliver), at most one line per 30 s. */
  readonly logger?: Logger;
  /** Longest `shutdown` waits for the last spans to be exported before it gives up on them. */
  readonly shutdownTimeoutMs?: number;
}

export interface Tracing {
  readonly enabled: boolean;
  /**
   * Exports what is left (within the shutdown deadline), then unregisters everything `startTracing`
   * registered, so that it may be started again. Call it once the app has stopped.
   */
  shutdown(): Promise<void>;
}

const DEFAULT_TRACING_SHUTDOWN_TIMEOUT_MS = 5_000;
/** Longest attribute value kept: a path, a SQL text or a tracestate from outside cannot bloat a span past this. */
const MAX_SPAN_ATTRIBUTE_LENGTH = 4_096;
const DIAG_QUIET_MS = 30_000;

const EXPORTERS = ['otlp', 'console', 'none'] as const;
/** The SDK's names, spelt as it reads them (exactly: it falls back to the default, with no error, on anything else). */
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
/** The only OTLP encoding the built-in exporter speaks. */
const OTLP_PROTOCOL = 'http/json';

interface TracingConfig {
  readonly serviceName: string;
  /** OTLP export on, to the endpoint shown (the exporter reads the variables itself). */
  readonly otlp: boolean;
  readonly console: boolean;
}

const OFF: Tracing = Object.freeze({ enabled: false, shutdown: () => Promise.resolve() });
let running: Tracing | undefined;

/**
 * Turns OpenTelemetry tracing on for this process when the environment asks for it, and registers
 * nothing at all otherwise (every `@opentelemetry/api` call then stays the no-op one). On when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (OTLP over HTTP, JSON),
 * `OTEL_TRACES_EXPORTER` names `otlp` or `console`, or `options.exporter` is given;
 * `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true` keeps it off. An empty variable counts as
 * unset. Registers the tracer provider, the W3C trace-context propagator, the async-hooks context
 * manager and the pg instrumentation (query spans inside a trace). Call it before the app is created:
 * TypeORM requires `pg` when a data source is made, and that is when its query method gets wrapped.
 *
 * The variables are read from `process.env`, by the SDK and the exporter as they document (sampler,
 * endpoint, headers, timeout, compression, certificates, batch and span limits): this function only
 * decides on or off and checks the values the SDK would otherwise ignore with a warning, throwing an
 * error that names the variable, so that a start fails loudly.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (running) throw new Error('tracing is already started in this process: shut it down before starting it again');
  const config = tracingConfigFrom(options.service, process.env, options.exporter !== undefined);
  if (!config) return OFF;
  // Loaded only when on: the SDK, the exporter and the instrumentation are most of a second of start-up and ~20 MB.
  const load = createRequire(import.meta.url);
  const core = load('@opentelemetry/core') as typeof OtelCore;
  const resources = load('@opentelemetry/resources') as typeof OtelResources;
  const sdk = load('@opentelemetry/sdk-trace-base') as typeof SdkTraceBase;
  const { NodeTracerProvider } = load('@opentelemetry/sdk-trace-node') as typeof SdkTraceNode;
  const { PgInstrumentation } = load('@opentelemetry/instrumentation-pg') as typeof PgInstrumentationModule;

  const processors: SpanProcessor[] = [];
  if (options.exporter) {
    processors.push(new sdk.SimpleSpanProcessor(options.exporter));
  } else {
    if (config.otlp) {
      const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpExporter;
      // Batched, off the request path: a bounded queue (spans beyond it are dropped), and each export
      // bounded by the exporter's timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s), so a collector that is
      // down or hangs never slows a request. The exporter reads its endpoint, headers, timeout and
      // certificates from the environment itself.
      processors.push(new sdk.BatchSpanProcessor(new OTLPTraceExporter()));
    }
    // Batched too, and to stderr as JSON lines: stdout is the log's, one pino JSON line after another.
    if (config.console) processors.push(new sdk.BatchSpanProcessor(new StderrSpanExporter()));
  }
  const provider = new NodeTracerProvider({
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': config.serviceName })),
    // No sampler given: the SDK builds it from OTEL_TRACES_SAMPLER / _ARG, checked above.
    spanLimits: { attributeValueLengthLimit: MAX_SPAN_ATTRIBUTE_LENGTH },
    spanProcessors: processors,
  });
  const logger = options.logger ?? createLogger(config.serviceName);
  diag.setLogger(quietDiagLogger(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  // Trace context only: W3C baggage from the internet would travel to every service and broker.
  provider.register({ propagator: new core.W3CTraceContextPropagator() });
  const pg = new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true });
  pg.setTracerProvider(provider);
  setTracingEnabled(true);
  if (!options.exporter)
    logger.info({ otlpEndpoint: config.otlp ? otlpEndpointShown() : undefined, console: config.console, sampler: samplerShown() }, 'tracing on');

  let stopping: Promise<void> | undefined;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_TRACING_SHUTDOWN_TIMEOUT_MS;
  const stop = async (): Promise<void> => {
    setTracingEnabled(false);
    try {
      const outcome = await withDeadline(
        provider.shutdown().then(
          () => 'flushed' as const,
          (error: unknown) => error,
        ),
        shutdownTimeoutMs,
        () => 'late' as const,
      );
      if (outcome === 'late') logger.warn({ shutdownTimeoutMs }, 'tracing: the last spans were not exported within the shutdown deadline; dropped');
      else if (outcome !== 'flushed') logger.warn({ err: outcome }, 'tracing: exporting the last spans failed');
    } finally {
      pg.disable();
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
      running = undefined;
    }
  };
  running = Object.freeze({ enabled: true, shutdown: () => (stopping ??= stop()) });
  return running;
}

/** The variable as the SDK reads it: unset when empty or blank (compose passes `${VAR:-}`). */
const read = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
};

/** Whether tracing is on, and how; `undefined` when off. Throws naming the first bad variable. */
function tracingConfigFrom(service: string, env: NodeJS.ProcessEnv, exporterGiven: boolean): TracingConfig | undefined {
  if (read(env, 'OTEL_SDK_DISABLED')?.trim().toLowerCase() === 'true') return undefined;
  const rawExporters = read(env, 'OTEL_TRACES_EXPORTER');
  const exporters = (rawExporters ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  for (const name of exporters) {
    if (!(EXPORTERS as readonly string[]).includes(name))
      throw new Error(`OTEL_TRACES_EXPORTER must be otlp, console or none (or 'otlp,console'), not '${shown(rawExporters)}'`);
  }
  if (exporters.includes('none') && exporters.length > 1)
    throw new Error(`OTEL_TRACES_EXPORTER cannot combine none with another exporter: '${shown(rawExporters)}'`);
  const sampler = read(env, 'OTEL_TRACES_SAMPLER');
  if (sampler !== undefined && !(SAMPLERS as readonly string[]).includes(sampler))
    throw new Error(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, not '${shown(sampler)}'`);
  const ratio = read(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (sampler?.endsWith('traceidratio') && ratio !== undefined && !(Number(ratio) >= 0 && Number(ratio) <= 1))
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not '${shown(ratio)}'`);

  const tracesEndpoint = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const wanted = exporters.length > 0 ? exporters : tracesEndpoint || endpoint ? ['otlp'] : [];
  if (wanted.includes('none') || (wanted.length === 0 && !exporterGiven)) return undefined;
  const otlp = wanted.includes('otlp') && !exporterGiven;
  if (otlp) {
    // The traces' own setting wins over the general one, as the exporter reads them.
    const variable = read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
    const protocol = read(env, variable);
    if (protocol !== undefined && protocol.trim() !== OTLP_PROTOCOL)
      throw new Error(`${variable}: only OTLP over HTTP with JSON is built in (${OTLP_PROTOCOL}, port 4318), not '${shown(protocol)}'`);
    if (tracesEndpoint) checkHttpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint);
    if (endpoint) checkHttpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint);
  }
  return { serviceName: read(env, 'OTEL_SERVICE_NAME')?.trim() ?? service, otlp, console: wanted.includes('console') && !exporterGiven };
}

/** The exporter would only warn and send nowhere; a start must fail instead. */
function checkHttpUrl(variable: string, raw: string): void {
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`${variable} must be an http(s) URL such as http://localhost:4318, not '${shown(raw)}'`);
}

/** Where the exporter sends, as the 'tracing on' line shows it (the exporter resolves the same variables the same way). */
function otlpEndpointShown(): string {
  const tracesEndpoint = read(process.env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = read(process.env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (tracesEndpoint) return shown(tracesEndpoint.trim());
  if (endpoint) return `${shown(endpoint.trim()).replace(/\/+$/, '')}/v1/traces`;
  return 'http://localhost:4318/v1/traces';
}

const samplerShown = (): string => {
  const sampler = read(process.env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  const ratio = read(process.env, 'OTEL_TRACES_SAMPLER_ARG');
  return sampler.endsWith('traceidratio') ? `${sampler} ${ratio ?? 1}` : sampler;
};

/**
 * A variable's value as a message shows it: short, and without what may be a credential: an endpoint
 * URL's user info, and its query and fragment (some vendors take `?api-key=` there).
 */
const shown = (raw: string | undefined): string =>
  (raw ?? '')
    .replace(/\/\/[^@/?#]*@/, '//…@')
    .replace(/[?#].*$/s, '')
    .slice(0, 100);

/**
 * `OTEL_TRACES_EXPORTER=console`: each span as one JSON line on stderr (stdout carries the log's JSON
 * lines, which a span dump in between would break for log shippers).
 */
class StderrSpanExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const lines = spans.map((span) => {
      const { traceId, spanId } = span.spanContext();
      return JSON.stringify({
        span: span.name,
        traceId,
        spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        kind: span.kind,
        service: span.resource.attributes['service.name'],
        startTime: span.startTime,
        durationMs: span.duration[0] * 1_000 + span.duration[1] / 1_000_000,
        status: span.status,
        attributes: span.attributes,
        links: span.links.length > 0 ? span.links.map((link) => link.context) : undefined,
      });
    });
    process.stderr.write(`${lines.join('\n')}\n`, () => done({ code: 0 })); // ExportResultCode.SUCCESS
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The SDK's warnings and errors (an export that failed: the collector down, refusing, too slow) into
 * the service's log, at most one line per 30 s with a count of those left out: a collector away for
 * an hour is one line every half minute, not one per batch.
 */
function quietDiagLogger(logger: Logger): DiagLogger {
  let quietUntil = 0;
  let leftOut = 0;
  const write = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now < quietUntil) {
      leftOut++;
      return;
    }
    quietUntil = now + DIAG_QUIET_MS;
    const details = args.length > 0 ? args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ') : undefined;
    logger.warn({ details: details?.slice(0, 1_000), linesLeftOut: leftOut || undefined }, `tracing: ${message.slice(0, 1_000)}`);
    leftOut = 0;
  };
  const ignore = () => undefined;
  return { error: write, warn: write, info: ignore, debug: ignore, verbose: ignore };
}
