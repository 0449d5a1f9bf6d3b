import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `outbox.aggregate_seq`: the per-aggregate sequence number carried in the envelope (1, 2, … for
 *   the events of one aggregate, in commit order of the writers that hold the aggregate's counter).
 * - `outbox_aggregate_sequence`: the counter per aggregate; the writer bumps it in the caller's
 *   transaction, so two writers of one aggregate take their numbers one after the other.
 * - `outbox_dead`: rows that failed `OUTBOX_MAX_ATTEMPTS` times, taken off `outbox_pending` so they
 *   no longer hold their aggregate back; the `dlq` command lists, replays or discards them. The
 *   event itself stays in `outbox` (pruning skips rows that are still dead).
 */
export class OutboxSequenceAndDeadRows1733000000000 implements MigrationInterface {
  name = 'OutboxSequenceAndDeadRows1733000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox ADD COLUMN aggregate_seq BIGINT`);
    await runner.query(`
      CREATE TABLE outbox_aggregate_sequence (
        aggregate_id VARCHAR(200) PRIMARY KEY,
        last_seq BIGINT NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE outbox_dead (
        seq BIGINT PRIMARY KEY,
        partition_no SMALLINT NOT NULL,
        aggregate_id VARCHAR(200) NOT NULL,
        created_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL,
        last_error TEXT,
        dead_at BIGINT NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE outbox_dead`);
    await runner.query(`DROP TABLE outbox_aggregate_sequence`);
    await runner.query(`ALTER TABLE outbox DROP COLUMN aggregate_seq`);
  }
}
