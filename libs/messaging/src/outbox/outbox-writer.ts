import type { EventEnvelope, EventSchemaRegistry } from '@shop/contracts';
import type { TransactionHost } from '@shop/persistence';
import { newId, systemClock, type Clock, type EventOutbox, type OutgoingEvent } from '@shop/shared-kernel';
import { MessageContext } from '../context/message-context.js';
import { dialectOf } from '../sql-dialect.js';
import type { OutboxSignal } from './outbox-signal.js';
import { partitionOf } from './partition.js';

export interface OutboxWriterOptions {
  /** The producing service, carried as the envelope's `source`. */
  readonly source: string;
  readonly partitions: number;
}

const COLUMNS = ['message_id', 'type', 'aggregate_id', 'partition_no', 'source', 'correlation_id', 'causation_id', 'occurred_at', 'payload', 'created_at'];

/**
 * Writes events into the outbox table inside the caller's transaction, so that they exist exactly
 * when the state change that produced them does. Payloads are checked against their schema here: an
 * invalid event fails the use case instead of reaching other services.
 */
export class OutboxWriter implements EventOutbox {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly registry: EventSchemaRegistry,
    private readonly signal: OutboxSignal,
    private readonly options: OutboxWriterOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  async add(...events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!this.transactions.inTransaction) {
      throw new Error('events must be added to the outbox inside UnitOfWork.run, with the state change they describe');
    }
    const envelopes = events.map((event) => this.envelopeOf(event));
    const dialect = dialectOf(this.transactions.kind);
    const now = this.clock.now().getTime();
    const values: unknown[] = [];
    const rows = envelopes.map((envelope) => {
      const row = [
        envelope.id,
        envelope.type,
        envelope.aggregateId,
        partitionOf(envelope.aggregateId, this.options.partitions),
        envelope.source,
        envelope.correlationId,
        envelope.causationId,
        envelope.occurredAt,
        JSON.stringify(envelope.payload),
        now,
      ];
      const placeholders = row.map((_, i) => dialect.param(values.length + i + 1));
      values.push(...row);
      return `(${placeholders.join(', ')})`;
    });
    const insert = `INSERT INTO outbox (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')} RETURNING seq, partition_no, aggregate_id, created_at`;
    if (dialect.kind === 'postgres') {
      // One round trip: the rows and their queue entries.
      await this.transactions.manager.query(
        `WITH written AS (${insert}) INSERT INTO outbox_pending (seq, partition_no, aggregate_id, created_at) SELECT seq, partition_no, aggregate_id, created_at FROM written`,
        values,
      );
    } else {
      const written = (await this.transactions.manager.query(insert, values)) as Array<{ seq: number; partition_no: number; aggregate_id: string; created_at: number }>;
      await this.transactions.manager.query(
        `INSERT INTO outbox_pending (seq, partition_no, aggregate_id, created_at) VALUES ${written.map(() => '(?, ?, ?, ?)').join(', ')}`,
        written.flatMap((w) => [w.seq, w.partition_no, w.aggregate_id, w.created_at]),
      );
    }
    this.transactions.afterCommit(() => this.signal.notify());
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
