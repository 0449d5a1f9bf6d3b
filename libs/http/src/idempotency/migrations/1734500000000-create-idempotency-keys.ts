import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idempotency_key`: one row per (caller, `Idempotency-Key`), in the database of the service that
 * serves the route, for PostgreSQL and SQLite alike. Times are epoch milliseconds (BIGINT).
 *
 * - `fingerprint`: SHA-256 of the first request's method, path and body; `method` and `path` are
 *   kept to explain a refused reuse.
 * - A claim: `owner` (the request holding the key) and `locked_until` (when another request may take
 *   it over if it never answered). The answer (`response_*`) is written in the transaction of the
 *   request's effect, so both commit or neither does.
 * - `expires_at`: after it, the key is free again and the row is pruned.
 */
export class CreateIdempotencyKeys1734500000000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1734500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE idempotency_key (
        scope TEXT NOT NULL,
        request_key VARCHAR(255) NOT NULL,
        method VARCHAR(16) NOT NULL,
        path TEXT NOT NULL,
        fingerprint CHAR(64) NOT NULL,
        owner VARCHAR(36),
        locked_until BIGINT NOT NULL,
        response_status INTEGER,
        response_content_type VARCHAR(200),
        response_body TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (scope, request_key)
      )`);
    await runner.query(`CREATE INDEX idempotency_key_expires_at ON idempotency_key (expires_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE idempotency_key`);
  }
}
