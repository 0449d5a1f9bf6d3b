import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `delivery_retry`: the embedded mode's retry queue. When a handler fails, the in-memory transport
 * records the message here, in the consuming service's own database, with the attempts made so far,
 * when to try next and the last error; the producer's publish then counts as done for this service
 * at once, so a failing subscriber never holds its producer's relay. The subscriber retries due rows
 * itself and, after its last attempt, moves the row to `dead_letter`. Unused on RabbitMQ (its retry
 * queues do this there).
 */
export class DeliveryRetries1733000000500 implements MigrationInterface {
  name = 'DeliveryRetries1733000000500';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE delivery_retry (
        message_id VARCHAR(64) PRIMARY KEY,
        type VARCHAR(200) NOT NULL,
        envelope TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        last_error TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`);
    await runner.query(`CREATE INDEX delivery_retry_due ON delivery_retry (next_attempt_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE delivery_retry`);
  }
}
