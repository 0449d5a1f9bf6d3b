import { expect } from 'vitest';
import type { ReadableSpan } from '@shop/observability/testing';

/** A span's kind by name: the API numbers them from INTERNAL = 0, OTLP from UNSPECIFIED = 0. */
export type TraceSpanKind = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
const API_KINDS: readonly TraceSpanKind[] = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/**
 * One ended span as both run modes' trace specs read it: from the in-memory recorder (embedded) or
 * from an OTLP/HTTP JSON export (distributed), so that one check serves both.
 */
export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: TraceSpanKind;
  /** The resource's `service.name`: the process that exported the span ('shop' for the whole embedded platform). */
  readonly resourceService: string;
  /** The instrumentation scope (tracer) that made it: `@shop/messaging`, `@opentelemetry/instrumentation-pg`, … */
  readonly scope: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export function traceSpanOf(span: ReadableSpan): TraceSpan {
  const { traceId, spanId } = span.spanContext();
  return {
    traceId,
    spanId,
    ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    name: span.name,
    kind: API_KINDS[span.kind] ?? 'INTERNAL',
    resourceService: String(span.resource.attributes['service.name']),
    scope: span.instrumentationScope.name,
    attributes: span.attributes,
  };
}

/** The spans of the chain a placed order's trace is checked along, for a spec's own further checks. */
export interface PlacedOrderTrace {
  readonly traceId: string;
  /** Every span of the trace. */
  readonly spans: readonly TraceSpan[];
  readonly gatewayServer: TraceSpan;
  readonly gatewayClient: TraceSpan;
  readonly orderServer: TraceSpan;
  readonly createPlaced: TraceSpan;
  readonly sendPlaced: TraceSpan;
  /** `process order.placed.v1` in coupon and in points. */
  readonly processPlaced: Readonly<Record<'coupon' | 'points', TraceSpan>>;
  /** `create`, `send` of coupon.reserved.v1 / points.reserved.v1 and its `process` in order. */
  readonly reservations: Readonly<Record<'coupon' | 'points', { create: TraceSpan; send: TraceSpan; process: TraceSpan }>>;
  /** `process order.awaiting-payment.v1` in payment: the saga's next step, still the same trace. */
  readonly processAwaitingPayment: TraceSpan;
  /** The `db.transaction` spans of the trace, each under the span of the request or handler it belongs to. */
  readonly transactions: readonly TraceSpan[];
}

export interface PlacedOrderTraceOptions {
  /** The `x-correlation-id` the gateway answered `POST /orders` with. */
  readonly correlationId: string;
  /** `messaging.system` of the publish and consume spans: `shop.memory` (embedded) or `rabbitmq`. */
  readonly messagingSystem: string;
  /**
   * The resource name every span was exported under when one process runs every service (embedded);
   * unset: a process per service, each span's resource named after the service that made it.
   */
  readonly oneProcessNamed?: string;
}

const RESERVING = ['coupon', 'points'] as const;

/**
 * Checks the trace of one `POST /orders` with a coupon and points whose saga reached AWAITING_PAYMENT,
 * found by the correlation id the gateway answered with: one trace from the gateway's SERVER span
 * through its CLIENT span, the order service's SERVER span and its transaction, to `create` → `send`
 * of order.placed.v1, its `process` in coupon and in points (each with its transaction), their
 * `create` → `send` of coupon.reserved.v1 / points.reserved.v1, the `process` of those in order, and
 * order.awaiting-payment.v1 on to payment. Parent links are checked one hop at a time (each `process`
 * under its `send`, each `send` under its `create`, each `create` under a `db.transaction` of the work
 * that wrote it); every span of ours carries the correlation id; the trace has one root and no span
 * whose parent is missing. Throws (an assertion error naming what is missing) while the trace is not
 * whole: poll it with `waitFor` until the spans are all exported.
 */
export function expectPlacedOrderTrace(all: readonly TraceSpan[], options: PlacedOrderTraceOptions): PlacedOrderTrace {
  const { correlationId, messagingSystem } = options;
  const roots = all.filter((span) => span.kind === 'SERVER' && span.name === 'POST /api/v1/orders' && span.attributes['shop.correlation_id'] === correlationId);
  expect(roots, `the gateway's SERVER span of POST /orders with correlation id ${correlationId}`).toHaveLength(1);
  const gatewayServer = roots[0]!;
  const traceId = gatewayServer.traceId;
  const spans = all.filter((span) => span.traceId === traceId);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const serviceOf = (span: TraceSpan): string | undefined => {
    const service = span.attributes['shop.service'];
    return typeof service === 'string' ? service : undefined;
  };
  const describe = (span: TraceSpan) => `${span.name} [${serviceOf(span) ?? span.scope}]`;
  const listing = () =>
    spans
      .map((span) => `  ${describe(span)} <- ${span.parentSpanId ? (byId.get(span.parentSpanId)?.name ?? `missing ${span.parentSpanId}`) : 'root'}`)
      .join('\n');
  const one = (what: string, matches: (span: TraceSpan) => boolean): TraceSpan => {
    const found = spans.filter(matches);
    expect(found.length, `one ${what} in trace ${traceId}, which has:\n${listing()}`).toBe(1);
    return found[0]!;
  };
  const parentOf = (span: TraceSpan) => (span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId));
  /** The `db.transaction` of `service` the span was made in, itself a child of `work` (a request's or a handler's span). */
  const inTransactionOf = (span: TraceSpan, work: TraceSpan, service: string) => {
    const transaction = parentOf(span);
    expect(
      transaction && [transaction.name, serviceOf(transaction), transaction.parentSpanId],
      `${describe(span)}'s parent: a db.transaction of ${service} under ${describe(work)}`,
    ).toEqual(['db.transaction', service, work.spanId]);
  };
  /** The event written by `work` (a failed attempt's rolled-back write may have made another `create` elsewhere), and its publish. */
  const publishOf = (type: string, service: string, work: TraceSpan) => {
    const create = one(
      `create ${type} written under ${describe(work)}`,
      (span) => span.name === `create ${type}` && parentOf(span)?.parentSpanId === work.spanId,
    );
    expect([create.kind, serviceOf(create)]).toEqual(['PRODUCER', service]);
    inTransactionOf(create, work, service);
    const send = one(`send ${type}`, (span) => span.name === `send ${type}` && span.parentSpanId === create.spanId && span.kind === 'PRODUCER');
    expect(serviceOf(send), `send ${type}'s service`).toBe(service);
    return { create, send };
  };
  /** The delivery `service` handled, under the `send` that published it (an attempt that failed first, e.g. on a conflict, is a sibling). */
  const processOf = (type: string, service: string, send: TraceSpan) => {
    const process = one(
      `handled process ${type} in ${service} under its send span`,
      (span) =>
        span.name === `process ${type}` &&
        serviceOf(span) === service &&
        span.parentSpanId === send.spanId &&
        span.attributes['shop.message.outcome'] === 'handled',
    );
    expect([process.kind, process.attributes['messaging.consumer.group.name']]).toEqual(['CONSUMER', `${service}.events`]);
    return process;
  };

  expect([gatewayServer.parentSpanId, serviceOf(gatewayServer)], 'the gateway SERVER span starts the trace').toEqual([undefined, 'gateway']);
  const gatewayClient = one('gateway CLIENT span to the order service', (span) => span.kind === 'CLIENT' && span.parentSpanId === gatewayServer.spanId);
  expect([serviceOf(gatewayClient), gatewayClient.attributes['shop.target_service']]).toEqual(['gateway', 'order']);
  const orderServer = one('order SERVER span of POST /orders', (span) => span.kind === 'SERVER' && span.parentSpanId === gatewayClient.spanId);
  expect([orderServer.name, serviceOf(orderServer)]).toEqual(['POST /orders', 'order']);

  const { create: createPlaced, send: sendPlaced } = publishOf('order.placed.v1', 'order', orderServer);
  const processPlaced = {} as Record<'coupon' | 'points', TraceSpan>;
  const reservations = {} as Record<'coupon' | 'points', { create: TraceSpan; send: TraceSpan; process: TraceSpan }>;
  for (const context of RESERVING) {
    processPlaced[context] = processOf('order.placed.v1', context, sendPlaced);
    const reserved = publishOf(`${context}.reserved.v1`, context, processPlaced[context]);
    reservations[context] = { ...reserved, process: processOf(`${context}.reserved.v1`, 'order', reserved.send) };
  }
  // The reservation order handled last moves the order on: order.awaiting-payment.v1 is written in its handler's transaction.
  const lastReservation = RESERVING.map((context) => reservations[context].process).filter((process) =>
    spans.some((span) => span.name === 'create order.awaiting-payment.v1' && parentOf(span)?.parentSpanId === process.spanId),
  );
  expect(lastReservation.length, `order.awaiting-payment.v1 written by one of order's handled reservations:\n${listing()}`).toBe(1);
  const { send: sendAwaiting } = publishOf('order.awaiting-payment.v1', 'order', lastReservation[0]!);
  const processAwaitingPayment = processOf('order.awaiting-payment.v1', 'payment', sendAwaiting);

  // Every handler's work ran in a transaction of its own service, inside its process span.
  const transactions = spans.filter((span) => span.name === 'db.transaction');
  for (const process of [...Object.values(processPlaced), ...RESERVING.map((context) => reservations[context].process), processAwaitingPayment]) {
    const own = transactions.filter((transaction) => transaction.parentSpanId === process.spanId);
    expect(own.map(serviceOf), `${describe(process)} has a db.transaction of its own service`).toContain(serviceOf(process));
  }

  const messaging = spans.filter((span) => /^(create|send|process) /.test(span.name));
  expect(
    messaging.filter((span) => span.attributes['messaging.system'] !== messagingSystem).map(describe),
    `every create/send/process span says messaging.system ${messagingSystem}`,
  ).toEqual([]);
  const ours = spans.filter((span) => serviceOf(span) !== undefined);
  expect(
    ours.filter((span) => span.attributes['shop.correlation_id'] !== correlationId).map(describe),
    `every span of ours carries shop.correlation_id ${correlationId}`,
  ).toEqual([]);
  const exportedBy = (span: TraceSpan) => options.oneProcessNamed ?? serviceOf(span);
  expect(
    ours.filter((span) => span.resourceService !== exportedBy(span)).map((span) => `${describe(span)} from ${span.resourceService}`),
    'each span exported under the resource of the process that made it',
  ).toEqual([]);
  expect(spans.filter((span) => span.parentSpanId === undefined).map(describe), 'one root').toEqual([describe(gatewayServer)]);
  expect(spans.filter((span) => span.parentSpanId !== undefined && !byId.has(span.parentSpanId)).map(describe), 'no span whose parent is missing').toEqual([]);

  return {
    traceId,
    spans,
    gatewayServer,
    gatewayClient,
    orderServer,
    createPlaced,
    sendPlaced,
    processPlaced,
    reservations,
    processAwaitingPayment,
    transactions,
  };
}
