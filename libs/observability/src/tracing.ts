import { createRequire } from 'node:module';
import { DiagLogLevel, context, diag, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import type * as OtelCore from '@opentelemetry/core';
import type * as OtlpHttpExporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as PgInstrumentationModule from '@opentelemetry/instrumentation-pg';
import type * as OtelResources from '@opentelemetry/resources';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type * as SdkTraceNode from '@opentelemetry/sdk-trace-node';
import { withDeadline } from '@shop/shared-kernel';
import { createLogger, type Logger } from './logger.js';
import { setTracingEnabled } from './tracing-state.js';

export { tracingEnabled } from './tracing-state.js';
export type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** The resource's `service.name` (`OTEL_SERVICE_NAME` wins). */
  readonly service: string;
  /** Where the `OTEL_*` variables are read; `process.env` by default. */
  readonly env?: NodeJS.ProcessEnv;
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
const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

const EXPORTERS = ['otlp', 'console', 'none'] as const;
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
type SamplerName = (typeof SAMPLERS)[number];

interface TracingConfig {
  readonly serviceName: string;
  readonly otlpUrl?: string;
  readonly console: boolean;
  readonly sampler: SamplerName;
  readonly ratio: number;
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
 * Throws an error naming the variable when one is invalid, so that a start fails loudly.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (running) throw new Error('tracing is already started in this process: shut it down before starting it again');
  const config = tracingConfigFrom(options.service, options.env ?? process.env, options.exporter !== undefined);
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
    if (config.otlpUrl) {
      const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpExporter;
      // Batched, off the request path: a bounded queue (spans beyond it are dropped), and each export
      // bounded by the exporter's timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s), so a collector that is
      // down or hangs never slows a request.
      processors.push(new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlpUrl })));
    }
    if (config.console) processors.push(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()));
  }
  const provider = new NodeTracerProvider({
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': config.serviceName })),
    sampler: samplerOf(config, sdk),
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
  if (!options.exporter) logger.info({ otlpEndpoint: config.otlpUrl && shown(config.otlpUrl), console: config.console, sampler: config.sampler }, 'tracing on');

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

/** Whether tracing is on, and how; `undefined` when off. Throws naming the first bad variable. */
function tracingConfigFrom(service: string, env: NodeJS.ProcessEnv, exporterGiven: boolean): TracingConfig | undefined {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  if (read('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const rawExporters = read('OTEL_TRACES_EXPORTER');
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
  const sampler = (read('OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on') as SamplerName;
  if (!SAMPLERS.includes(sampler)) throw new Error(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, not '${shown(read('OTEL_TRACES_SAMPLER'))}'`);
  const ratio = sampler.endsWith('traceidratio') ? ratioOf(read('OTEL_TRACES_SAMPLER_ARG')) : 1;

  const tracesEndpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  const wanted = exporters.length > 0 ? exporters : tracesEndpoint || endpoint ? ['otlp'] : [];
  if (wanted.includes('none') || (wanted.length === 0 && !exporterGiven)) return undefined;
  let otlpUrl: string | undefined;
  if (wanted.includes('otlp') && !exporterGiven) {
    const protocol = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? read('OTEL_EXPORTER_OTLP_PROTOCOL');
    if (protocol === 'grpc') throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: only OTLP over HTTP is built in (http/json, port 4318), not grpc`);
    // The signal's own endpoint is used as it is; the general one gets the traces path appended, as the spec says.
    otlpUrl = tracesEndpoint
      ? httpUrlOf('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint)
      : endpoint
        ? `${httpUrlOf('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint).replace(/\/+$/, '')}/v1/traces`
        : DEFAULT_OTLP_TRACES_URL;
  }
  return { serviceName: read('OTEL_SERVICE_NAME') ?? service, otlpUrl, console: wanted.includes('console') && !exporterGiven, sampler, ratio };
}

function ratioOf(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not '${shown(raw)}'`);
  return ratio;
}

function httpUrlOf(variable: string, raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`${variable} must be an http(s) URL such as http://localhost:4318, not '${shown(raw)}'`);
  return url.href;
}

/** A variable's value as an error message shows it: short (an endpoint URL may carry a credential in its user info, so never that part). */
const shown = (raw: string | undefined): string => (raw ?? '').replace(/\/\/[^@/]*@/, '//…@').slice(0, 100);

function samplerOf(config: TracingConfig, sdk: typeof SdkTraceBase): Sampler {
  const root = config.sampler.endsWith('always_off')
    ? new sdk.AlwaysOffSampler()
    : config.sampler.endsWith('traceidratio')
      ? new sdk.TraceIdRatioBasedSampler(config.ratio)
      : new sdk.AlwaysOnSampler();
  return config.sampler.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
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
