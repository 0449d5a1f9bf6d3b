import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's hold-back looks for an earlier row of the same aggregate that is waiting to retry.
 * Failures of the transport as a whole (broker away, confirm timeout) back a row off without counting
 * an attempt, so "waiting to retry" is `next_attempt_at > 0`, no longer `attempts > 0`: the partial
 * index follows. It stays small: only rows that ever failed are in it.
 */
export class OutboxPendingBackoffIndex1733000000100 implements MigrationInterface {
  name = 'OutboxPendingBackoffIndex1733000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX outbox_pending_retrying`);
    await runner.query(`CREATE INDEX outbox_pending_backing_off ON outbox_pending (aggregate_id, seq) WHERE next_attempt_at > 0`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX outbox_pending_backing_off`);
    await runner.query(`CREATE INDEX outbox_pending_retrying ON outbox_pending (aggregate_id, seq) WHERE attempts > 0`);
  }
}
