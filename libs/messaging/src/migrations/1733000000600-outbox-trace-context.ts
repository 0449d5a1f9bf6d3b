import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `outbox.trace_parent` and `outbox.trace_state`: the W3C trace context of the `create` span the
 * writer made for the event (null when tracing was off), which the relay's `send` span continues.
 * `trace_parent` is version 00 (55 characters); `trace_state` is at most W3C's 512.
 *
 * `outbox_dead` gets none: a dead row names its event by `seq`, the event stays in `outbox` (pruning
 * keeps rows that are still dead), and a replay puts the `seq` back on the pending queue, so the
 * relay reads the context from `outbox` again. The same statements serve PostgreSQL and SQLite.
 */
export class OutboxTraceContext1733000000600 implements MigrationInterface {
  name = 'OutboxTraceContext1733000000600';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox ADD COLUMN trace_parent VARCHAR(55)`);
    await runner.query(`ALTER TABLE outbox ADD COLUMN trace_state VARCHAR(512)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox DROP COLUMN trace_state`);
    await runner.query(`ALTER TABLE outbox DROP COLUMN trace_parent`);
  }
}
