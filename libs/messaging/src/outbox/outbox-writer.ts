import { ROOT_CONTEXT, SpanKind, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { type EventEnvelope, type EventSchemaRegistry } from '@shop/contracts';
import type { TransactionHost } from '@shop/persistence';
import { newId, systemClock, type Clock, type EventOutbox, type OutgoingEvent } from '@shop/shared-kernel';
import { MessageContext, injectTraceContext, tracingEnabled } from '@shop/observability';
import type { Transport } from '../transport/transport.js';
import { endWithError, messageSpanAttributes, messagingTracer } from '../tracing/messaging-tracing.js';
import type { OutboxSignal } from './outbox-signal.js';
import { partitionOf } from './partition.js';

export interface OutboxWriterOptions {
  /** The producing service, carried as the envelope's `source`. */
  readonly source: string;
  readonly partitions: number;
  /** A payload whose JSON is larger than this is refused (default 512 KiB). */
  readonly maxPayloadBytes?: number;
  /** The transport the relay publishes with, named in the `create` spans' `messaging.system`. */
  readonly transportKind?: Transport['kind'];
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;

/**
 * A payload too large to publish. Refused when written: one oversize message would otherwise fail
 * every batch that shares its channel, and hold back its aggregate.
 */
export class OutboxPayloadTooLargeError extends Error {
  constructor(
    readonly eventType: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`'${eventType}' payload is ${sizeBytes} bytes of JSON, over the outbox limit of ${limitBytes} bytes`);
    this.name = 'OutboxPayloadTooLargeError';
  }
}

const COLUMNS = [
  'message_id',
  'type',
  'aggregate_id',
  'partition_no',
  'source',
  'correlation_id',
  'causation_id',
  'occurred_at',
  'payload',
  'created_at',
  'aggregate_seq',
];
/** Written only while tracing: otherwise they are left to their default, NULL. */
const TRACE_COLUMNS = ['trace_parent', 'trace_state'];

/** What an outbox row keeps of its `create` span: the two nullable columns. */
interface StoredTraceContext {
  readonly traceParent: string | null;
  readonly traceState: string | null;
}

/**
 * The `create` span's context for its row (`injectTraceContext`): a version-00 `traceparent` and a
 * `tracestate` of at most 512 characters; anything else is not stored.
 */
function storedTraceContextOf(span: Span): StoredTraceContext {
  const fields = injectTraceContext(trace.setSpan(ROOT_CONTEXT, span));
  return { traceParent: fields?.traceparent ?? null, traceState: fields?.tracestate ?? null };
}

interface PreparedRow {
  readonly envelope: EventEnvelope;
  readonly payloadJson: string;
  /**
   * This event's sequence number minus its aggregate's new last number (0 for the last event of the
   * aggregate in this call, -1 for the one before, …).
   */
  readonly offsetFromLast: number;
}

/**
 * Writes events into the outbox table inside the caller's transaction, so that they exist exactly
 * when the state change that produced them does. Payloads are checked against their schema and size
 * here: an invalid event fails the use case instead of reaching other services.
 *
 * Each event gets its aggregate's next sequence number from `outbox_aggregate_sequence`, bumped in the
 * same transaction: the counter row's lock makes a second writer of the same aggregate wait until the
 * first commits or rolls back, so numbers are gap-free and follow commit order per aggregate.
 */
export class OutboxWriter implements EventOutbox {
  private readonly maxPayloadBytes: number;

  constructor(
    private readonly transactions: TransactionHost,
    private readonly registry: EventSchemaRegistry,
    private readonly signal: OutboxSignal,
    private readonly options: OutboxWriterOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  async add(...events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!this.transactions.inTransaction) {
      throw new Error('events must be added to the outbox inside UnitOfWork.run, with the state change they describe');
    }
    const countByAggregate = new Map<string, number>();
    // Everything is checked before anything is written.
    const checked = events.map((event) => {
      const envelope = this.envelopeOf(event);
      const payloadJson = JSON.stringify(envelope.payload);
      const size = Buffer.byteLength(payloadJson, 'utf8');
      if (size > this.maxPayloadBytes) throw new OutboxPayloadTooLargeError(envelope.type, size, this.maxPayloadBytes);
      const indexInAggregate = (countByAggregate.get(envelope.aggregateId) ?? 0) + 1;
      countByAggregate.set(envelope.aggregateId, indexInAggregate);
      return { envelope, payloadJson, indexInAggregate };
    });
    const prepared: PreparedRow[] = checked.map(({ envelope, payloadJson, indexInAggregate }) => ({
      envelope,
      payloadJson,
      offsetFromLast: indexInAggregate - countByAggregate.get(envelope.aggregateId)!,
    }));
    // Counter rows are locked in one order (by aggregate id) so two multi-aggregate writers cannot deadlock on them.
    const counts = [...countByAggregate].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (!tracingEnabled()) {
      await this.write(prepared, counts, undefined);
    } else {
      const tracer = messagingTracer();
      const spans = prepared.map(({ envelope }) => this.startCreateSpan(tracer, envelope));
      try {
        await this.write(prepared, counts, spans.map(storedTraceContextOf));
      } catch (error) {
        for (const span of spans) endWithError(span, error);
        throw error;
      }
      // A row exists once its transaction commits: the span ends then. Rolled back (a failure later in
      // the use case, a serialization retry, a beforeCommit fence), it is never ended, so never exported:
      // a trace shows no `create` for a row that does not exist.
      this.transactions.afterCommit(() => {
        for (const span of spans) span.end();
      });
    }
    this.transactions.afterCommit(() => this.signal.notify());
  }

  private write(prepared: readonly PreparedRow[], counts: ReadonlyArray<readonly [string, number]>, traces: readonly StoredTraceContext[] | undefined) {
    return this.transactions.kind === 'postgres' ? this.writePostgres(prepared, counts, traces) : this.writeSqlite(prepared, counts, traces);
  }

  /**
   * The event's `create` span, a child of the work in progress (the transaction's `db.transaction` span,
   * under the request's or the handled message's span): from writing the row to its commit. Its context is stored with the row for the relay's `send` span.
   */
  private startCreateSpan(tracer: Tracer, envelope: EventEnvelope): Span {
    const attributes = messageSpanAttributes('create', {
      type: envelope.type,
      service: envelope.source,
      transport: this.options.transportKind,
      messageId: envelope.id,
      correlationId: envelope.correlationId,
    });
    return tracer.startSpan(`create ${envelope.type}`, { kind: SpanKind.PRODUCER, attributes }, context.active());
  }

  /**
   * One round trip: bump the counters, write the rows with their sequence numbers, enqueue them. The
   * columns travel as one array parameter each (a statement with thousands of parameters spends longer
   * being planned than run), and the rows are inserted in call order (`ORDER BY ord`), so that their
   * `seq` follows the per-aggregate number. Without tracing the trace columns are not named at all.
   */
  private async writePostgres(
    prepared: readonly PreparedRow[],
    counts: ReadonlyArray<readonly [string, number]>,
    traces: readonly StoredTraceContext[] | undefined,
  ): Promise<void> {
    const column = <T>(valueOf: (row: PreparedRow) => T): T[] => prepared.map(valueOf);
    const parameters = [
      column((r) => r.envelope.id),
      column((r) => r.envelope.type),
      column((r) => r.envelope.aggregateId),
      column((r) => partitionOf(r.envelope.aggregateId, this.options.partitions)),
      column((r) => r.envelope.source),
      column((r) => r.envelope.correlationId),
      column((r) => r.envelope.causationId),
      column((r) => r.envelope.occurredAt),
      column((r) => r.payloadJson),
      column((r) => r.offsetFromLast),
      counts.map(([aggregateId]) => aggregateId),
      counts.map(([, n]) => n),
      this.clock.now().getTime(),
    ];
    if (!traces) {
      await this.transactions.manager.query(POSTGRES_WRITE, parameters);
      return;
    }
    parameters.push(
      traces.map((trace) => trace.traceParent),
      traces.map((trace) => trace.traceState),
    );
    await this.transactions.manager.query(POSTGRES_WRITE_TRACED, parameters);
  }

  /**
   * SQLite (one writer at a time anyway): three statements in the caller's transaction, each in
   * chunks of rows, since SQLite takes at most 32,766 parameters per statement (11 per event, 13 with the trace context).
   */
  private async writeSqlite(
    prepared: readonly PreparedRow[],
    counts: ReadonlyArray<readonly [string, number]>,
    traces: readonly StoredTraceContext[] | undefined,
  ): Promise<void> {
    const manager = this.transactions.manager;
    const lastSeq = new Map<string, number>();
    for (const [, chunk] of chunksOf(counts)) {
      const bumped = (await manager.query(
        `INSERT INTO outbox_aggregate_sequence (aggregate_id, last_seq) VALUES ${chunk.map(() => '(?, ?)').join(', ')}
         ON CONFLICT (aggregate_id) DO UPDATE SET last_seq = last_seq + excluded.last_seq
         RETURNING aggregate_id, last_seq`,
        chunk.flatMap(([aggregateId, n]) => [aggregateId, n]),
      )) as Array<{ aggregate_id: string; last_seq: number | string }>;
      for (const row of bumped) lastSeq.set(row.aggregate_id, Number(row.last_seq));
    }
    const now = this.clock.now().getTime();
    const columns = traces ? [...COLUMNS, ...TRACE_COLUMNS] : COLUMNS;
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    // In call order, chunk after chunk: seq follows the per-aggregate number.
    for (const [offset, chunk] of chunksOf(prepared)) {
      const values = chunk.flatMap(({ envelope, payloadJson, offsetFromLast }, i) => [
        envelope.id,
        envelope.type,
        envelope.aggregateId,
        partitionOf(envelope.aggregateId, this.options.partitions),
        envelope.source,
        envelope.correlationId,
        envelope.causationId,
        envelope.occurredAt,
        payloadJson,
        now,
        lastSeq.get(envelope.aggregateId)! + offsetFromLast,
        ...(traces ? [traces[offset + i]!.traceParent, traces[offset + i]!.traceState] : []),
      ]);
      const written = (await manager.query(
        `INSERT INTO outbox (${columns.join(', ')}) VALUES ${chunk.map(() => placeholders).join(', ')} RETURNING seq, partition_no, aggregate_id, created_at`,
        values,
      )) as Array<{ seq: number; partition_no: number; aggregate_id: string; created_at: number }>;
      await manager.query(
        `INSERT INTO outbox_pending (seq, partition_no, aggregate_id, created_at) VALUES ${written.map(() => '(?, ?, ?, ?)').join(', ')}`,
        written.flatMap((w) => [w.seq, w.partition_no, w.aggregate_id, w.created_at]),
      );
    }
  }

  private envelopeOf(event: OutgoingEvent): EventEnvelope {
    this.registry.validatePayload(event.type, event.payload);
    const context = MessageContext.current();
    const id = newId();
    return {
      id,
      type: event.type,
      occurredAt: this.clock.now().toISOString(),
      source: this.options.source,
      aggregateId: event.aggregateId,
      // Work that no request or message started (a scheduled job) begins its own chain.
      correlationId: context?.correlationId ?? id,
      causationId: context?.causationId ?? null,
      payload: event.payload,
    };
  }
}

/** The statement of `writePostgres`. With `traced`, two more arrays ($14, $15) carry each row's trace context. */
function postgresWriteSql(traced: boolean): string {
  const traceArrays = traced ? ', $14::varchar[], $15::varchar[]' : '';
  const traceNames = traced ? ', trace_parent, trace_state' : '';
  const traceValues = traced ? ', e.trace_parent, e.trace_state' : '';
  return `
      WITH events AS (
        SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::smallint[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[], $9::text[], $10::int[]${traceArrays})
          WITH ORDINALITY AS e (message_id, type, aggregate_id, partition_no, source, correlation_id, causation_id, occurred_at, payload, offset_from_last${traceNames}, ord)),
      bumped AS (
        INSERT INTO outbox_aggregate_sequence (aggregate_id, last_seq)
        SELECT * FROM unnest($11::varchar[], $12::bigint[]) AS c (aggregate_id, n) ORDER BY aggregate_id
        ON CONFLICT (aggregate_id) DO UPDATE SET last_seq = outbox_aggregate_sequence.last_seq + EXCLUDED.last_seq
        RETURNING aggregate_id, last_seq),
      written AS (
        INSERT INTO outbox (${[...COLUMNS, ...(traced ? TRACE_COLUMNS : [])].join(', ')})
        SELECT e.message_id, e.type, e.aggregate_id, e.partition_no, e.source, e.correlation_id, e.causation_id, e.occurred_at, e.payload, $13::bigint,
               b.last_seq + e.offset_from_last${traceValues}
        FROM events e JOIN bumped b ON b.aggregate_id = e.aggregate_id
        ORDER BY e.ord
        RETURNING seq, partition_no, aggregate_id, created_at)
      INSERT INTO outbox_pending (seq, partition_no, aggregate_id, created_at)
      SELECT seq, partition_no, aggregate_id, created_at FROM written`;
}

const POSTGRES_WRITE = postgresWriteSql(false);
const POSTGRES_WRITE_TRACED = postgresWriteSql(true);

/** Rows per SQLite statement: 13 parameters each (with the trace context) stays well under SQLite's 32,766. */
const SQLITE_ROWS_PER_STATEMENT = 1_000;

/** Each chunk with the index of its first item. */
function chunksOf<T>(items: readonly T[]): Array<[number, T[]]> {
  const chunks: Array<[number, T[]]> = [];
  for (let i = 0; i < items.length; i += SQLITE_ROWS_PER_STATEMENT) chunks.push([i, items.slice(i, i + SQLITE_ROWS_PER_STATEMENT)]);
  return chunks;
}
