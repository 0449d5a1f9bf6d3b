// One placed order is one trace in the distributed mode too (issue 13): each app its own process
// (the built main.js) on PostgreSQL and RabbitMQ, each exporting its spans over OTLP/HTTP, as it would to
// a collector, to a receiver of the test's own. The trace crosses processes over HTTP (traceparent from
// the gateway's client to the order service) and over the broker (the outbox row's context, the AMQP
// message's traceparent header, restored by each consumer), so every link checked here is one the
// processes made from what travelled between them.
import { gunzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyHeaders } from '@shop/client';
import { openExistingServiceDatabase } from '@shop/persistence';
import { waitFor } from '@shop/testing';
import {
  expectAnswer,
  expectPlacedOrderTrace,
  gatewayClient,
  shopSteps,
  type PlacedOrderTrace,
  type TraceSpan,
  type TraceSpanKind,
} from '@shop/embedded/testing';
import { startDistributedPlatform, type DistributedPlatform } from './support/distributed-platform.js';

const ADMIN = { email: `trace-admin-${randomUUID().slice(0, 8)}@shop.example`, password: 'an admin passphrase' };
/** How long the saga and the spans' export may take here (several processes, hops over the broker, batched exports). */
const SETTLE_MS = 30_000;
const BONUS = { available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 };
const PG_SCOPE = '@opentelemetry/instrumentation-pg';

/** OTLP's span kinds count from SPAN_KIND_UNSPECIFIED = 0. */
const OTLP_KINDS: Readonly<Record<number, TraceSpanKind>> = { 1: 'INTERNAL', 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER' };

interface OtlpAnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: number | string;
  readonly doubleValue?: number;
}
interface OtlpKeyValue {
  readonly key: string;
  readonly value?: OtlpAnyValue;
}
interface OtlpTraceRequest {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
    readonly scopeSpans?: ReadonlyArray<{
      readonly scope?: { readonly name?: string };
      readonly spans?: ReadonlyArray<{
        readonly traceId: string;
        readonly spanId: string;
        readonly parentSpanId?: string;
        readonly name: string;
        readonly kind?: number;
        readonly attributes?: readonly OtlpKeyValue[];
      }>;
    }>;
  }>;
}

const valueOf = (value: OtlpAnyValue | undefined): unknown =>
  value?.stringValue ?? value?.boolValue ?? (value?.intValue === undefined ? value?.doubleValue : Number(value.intValue));
const attributesOf = (list: readonly OtlpKeyValue[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

/**
 * A collector as far as the exporters can tell: `POST /v1/traces` with an OTLP/HTTP JSON export request
 * (what @opentelemetry/exporter-trace-otlp-http sends), answered 200; every span kept. Anything else is
 * refused and noted in `refused`, so that a change of protocol shows as such instead of as missing spans.
 */
async function startOtlpReceiver() {
  const spans: TraceSpan[] = [];
  const refused: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = request.headers['content-type'] ?? '';
      if (request.method !== 'POST' || request.url !== '/v1/traces' || !contentType.startsWith('application/json')) {
        refused.push(`${request.method} ${request.url} (${contentType})`);
        response.writeHead(415).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = JSON.parse((request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as OtlpTraceRequest;
      for (const { resource, scopeSpans } of body.resourceSpans ?? []) {
        const resourceService = String(attributesOf(resource?.attributes)['service.name']);
        for (const { scope, spans: exported } of scopeSpans ?? []) {
          for (const span of exported ?? []) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: OTLP_KINDS[span.kind ?? 1] ?? 'INTERNAL',
              resourceService,
              scope: scope?.name ?? '',
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    refused,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

describe('tracing a placed order across the distributed platform (a process per app, PostgreSQL, RabbitMQ)', { timeout: 120_000 }, () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let platform: DistributedPlatform;
  let adminToken = '';
  const gateway = gatewayClient(() => platform.apiUrl);
  const steps = shopSteps(gateway, { settleMs: SETTLE_MS, adminToken: () => adminToken });
  const TEA = { sku: `TRACE-TEA-${randomBytes(3).toString('hex')}`.toUpperCase(), name: 'Longjing tea, 100 g', price: 8_800 };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    platform = await startDistributedPlatform({
      prefix: 'trace',
      admin: ADMIN,
      // Exported every 100 ms instead of every 5 s: the test waits for the spans.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
      appEnv: { payment: { PAYMENT_SANDBOX: 'true', PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString('hex') } },
    });
    adminToken = await gateway.logIn(ADMIN);
    await expectAnswer(201, gateway.api(adminToken).POST('/admin/products', { body: TEA }));
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  }, 60_000);

  it('is one trace from the gateway through order, RabbitMQ, coupon and points and back, each process exporting its own spans', async () => {
    const customer = await gateway.newCustomer('ada');
    await steps.pointsBecome(customer, BONUS);
    const couponId = await steps.claim(customer, (await steps.campaign()).templateId);
    const { data, error, response } = await gateway
      .api(customer.token)
      .POST('/orders', { body: { items: [{ sku: TEA.sku, quantity: 1 }], couponId, pointsToUse: 60 }, headers: idempotencyHeaders() });
    expect(response.status, JSON.stringify(error ?? data)).toBe(202);
    const correlationId = response.headers.get('x-correlation-id')!;
    expect(correlationId).toEqual(expect.any(String));
    await steps.orderBecomes(customer, data!.orderId, 'AWAITING_PAYMENT');

    const trace: PlacedOrderTrace = await waitFor(() => expectPlacedOrderTrace(receiver.spans, { correlationId, messagingSystem: 'rabbitmq' }), {
      what: `the whole trace of the order placed with correlation id ${correlationId} (refused exports: ${receiver.refused.join(', ') || 'none'})`,
      timeoutMs: SETTLE_MS,
    }).catch((failure: unknown) => {
      throw new Error(`${failure instanceof Error ? failure.message : String(failure)}\n${platform.output.join('')}`);
    });

    // Each process exported under its own service.name: the trace crossed five processes.
    expect(new Set(trace.spans.map((span) => span.resourceService))).toEqual(new Set(['gateway', 'order', 'coupon', 'points', 'payment']));
    // pg's statement spans, in the transactions of each context of the saga, on its own database, exported by its own process.
    const byId = new Map(trace.spans.map((span) => [span.spanId, span]));
    for (const service of ['order', 'coupon', 'points', 'payment'] as const) {
      const statements = trace.spans.filter((span) => {
        const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
        return span.scope === PG_SCOPE && parent?.name === 'db.transaction' && parent.attributes['shop.service'] === service;
      });
      expect(statements.length, `pg statement spans in ${service}'s transactions`).toBeGreaterThan(0);
      const database = new URL(platform.databaseUrls[service]).pathname.slice(1);
      expect(new Set(statements.map((span) => [span.resourceService, span.attributes['db.system.name'], span.attributes['db.namespace']].join(' ')))).toEqual(
        new Set([`${service} postgresql ${database}`]),
      );
    }

    // The outbox row in PostgreSQL keeps the create span's context: the relay's send continued it.
    const database = await openExistingServiceDatabase(
      'order',
      {},
      { ORDER_DATABASE_URL: platform.databaseUrls.order },
      { applicationName: 'tracing e2e', readOnly: true },
    );
    if (typeof database === 'string') throw new Error(database);
    try {
      const rows = (await database.query(`SELECT trace_parent FROM outbox WHERE correlation_id = $1 AND type = 'order.placed.v1'`, [correlationId])) as Array<{
        trace_parent: string | null;
      }>;
      expect(rows).toEqual([{ trace_parent: `00-${trace.traceId}-${trace.createPlaced.spanId}-01` }]);
    } finally {
      await database.destroy();
    }
    expect(receiver.refused).toEqual([]);
  });

  it('exports what is left and exits 0 on SIGTERM', async () => {
    const exitCodes = await platform.stop();
    expect(exitCodes, platform.output.join('')).toEqual({ gateway: 0, payment: 0, points: 0, coupon: 0, order: 0, user: 0 });
  });
});
