import pg from 'pg';
import { withDatabase } from '@shop/persistence';

/** What PostgreSQL counted for one database so far (pg_stat_database). */
export interface DatabaseCounters {
  readonly commits: number;
  readonly rollbacks: number;
  /** Rows inserted, updated and deleted. */
  readonly written: number;
}

/**
 * The transactions and row writes of some databases, from pg_stat_database: per order, how much each
 * service asks of PostgreSQL. The server flushes a backend's counts when it goes idle (at most a second
 * late), so a snapshot after a run waits a little first (`settleMs`).
 */
export async function databaseCounters(serverUrl: string, databases: readonly string[], settleMs = 0): Promise<Map<string, DatabaseCounters>> {
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string; commits: string; rollbacks: string; written: string }>(
      `SELECT datname, xact_commit AS commits, xact_rollback AS rollbacks, tup_inserted + tup_updated + tup_deleted AS written
         FROM pg_stat_database WHERE datname = ANY($1)`,
      [databases],
    );
    return new Map(rows.map((row) => [row.datname, { commits: Number(row.commits), rollbacks: Number(row.rollbacks), written: Number(row.written) }]));
  } finally {
    await client.end();
  }
}
