import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox, the inbox and the dead-letter store of one service. Every service lists this migration
 * before its own; it is written for both PostgreSQL and SQLite.
 *
 * Times are epoch milliseconds (BIGINT) so that both databases compare them the same way.
 */
export class CreateMessagingTables1732000000000 implements MigrationInterface {
  name = 'CreateMessagingTables1732000000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    const seq = postgres ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
    const text = 'TEXT';
    // Every event ever written, until pruned. Insert-only: publishing never rewrites these rows.
    await runner.query(`
      CREATE TABLE outbox (
        seq ${seq},
        message_id VARCHAR(36) NOT NULL,
        type VARCHAR(200) NOT NULL,
        aggregate_id VARCHAR(200) NOT NULL,
        partition_no SMALLINT NOT NULL,
        source VARCHAR(100) NOT NULL,
        correlation_id VARCHAR(200) NOT NULL,
        causation_id VARCHAR(200),
        occurred_at VARCHAR(40) NOT NULL,
        payload ${text} NOT NULL,
        created_at BIGINT NOT NULL
      )`);
    await runner.query(`CREATE INDEX outbox_created_at ON outbox (created_at)`);
    // The rows still to publish: a narrow queue table. Publishing deletes from it instead of updating
    // the wide outbox row, which would rewrite the row and every index entry of it.
    await runner.query(`
      CREATE TABLE outbox_pending (
        seq BIGINT PRIMARY KEY,
        partition_no SMALLINT NOT NULL,
        aggregate_id VARCHAR(200) NOT NULL,
        created_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL DEFAULT 0,
        last_error ${text}
      )`);
    // The relay's claim scans pending rows of one partition in order.
    await runner.query(`CREATE INDEX outbox_pending_partition ON outbox_pending (partition_no, seq)`);
    // Rows that failed to publish hold back later rows of their aggregate; normally empty.
    await runner.query(`CREATE INDEX outbox_pending_retrying ON outbox_pending (aggregate_id, seq) WHERE attempts > 0`);

    await runner.query(`
      CREATE TABLE inbox (
        message_id VARCHAR(64) NOT NULL,
        handler VARCHAR(200) NOT NULL,
        processed_at BIGINT NOT NULL,
        PRIMARY KEY (message_id, handler)
      )`);
    await runner.query(`CREATE INDEX inbox_processed_at ON inbox (processed_at)`);

    // Used by the in-memory transport (embedded mode) so that a dead letter survives a restart.
    await runner.query(`
      CREATE TABLE dead_letter (
        seq ${seq},
        message_id VARCHAR(64) NOT NULL,
        type VARCHAR(200) NOT NULL,
        envelope ${text} NOT NULL,
        error ${text} NOT NULL,
        attempts INTEGER NOT NULL,
        failed_at VARCHAR(40) NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE dead_letter`);
    await runner.query(`DROP TABLE inbox`);
    await runner.query(`DROP TABLE outbox_pending`);
    await runner.query(`DROP TABLE outbox`);
  }
}
