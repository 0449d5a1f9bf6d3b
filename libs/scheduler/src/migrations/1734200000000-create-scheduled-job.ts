import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `scheduled_job`: one row per scheduled job of the service (created by its first run), holding the
 * job's lease (`owner`, `locked_until`), when it is due next, and what its last runs did, for
 * operators. Times are epoch milliseconds (BIGINT), as in the messaging tables; 0 means never.
 * Written for both PostgreSQL and SQLite.
 */
export class CreateScheduledJob1734200000000 implements MigrationInterface {
  name = 'CreateScheduledJob1734200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE scheduled_job (
        name VARCHAR(200) PRIMARY KEY,
        owner VARCHAR(200),
        locked_until BIGINT NOT NULL DEFAULT 0,
        next_run_at BIGINT NOT NULL DEFAULT 0,
        last_started_at BIGINT,
        last_success_at BIGINT,
        last_handled INTEGER,
        last_failure_at BIGINT,
        last_error TEXT
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE scheduled_job`);
  }
}
