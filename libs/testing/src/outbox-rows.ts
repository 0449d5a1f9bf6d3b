import type { TransactionHost } from '@shop/persistence';

/** An outbox row as a test reads it back: what a use case's save wrote for other contexts. */
export interface OutboxRow {
  readonly type: string;
  readonly aggregateId: string;
  readonly payload: Record<string, unknown>;
}

/** Every row of the service's outbox, in the order they were written. */
export async function outboxRows(transactions: TransactionHost): Promise<OutboxRow[]> {
  const rows = (await transactions.dataSource.query(`SELECT type, aggregate_id, payload FROM outbox ORDER BY seq`)) as Array<{
    type: string;
    aggregate_id: string;
    payload: string;
  }>;
  return rows.map((row) => ({ type: row.type, aggregateId: row.aggregate_id, payload: JSON.parse(row.payload) as Record<string, unknown> }));
}
