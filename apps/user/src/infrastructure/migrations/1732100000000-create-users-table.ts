import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The users table, for PostgreSQL and SQLite alike. Listed after the messaging migrations.
 *
 * E-mail addresses are kept as typed and are unique on their lower-case form: the index, not a
 * look-up before the insert, is what stops two registrations of one address that race each other.
 * `registered_at` is epoch milliseconds, as in the messaging tables, so both databases compare it
 * the same way.
 */
export class CreateUsersTable1732100000000 implements MigrationInterface {
  name = 'CreateUsersTable1732100000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`
      CREATE TABLE users (
        id ${postgres ? 'UUID' : 'VARCHAR(36)'} PRIMARY KEY,
        email VARCHAR(254) NOT NULL,
        nickname VARCHAR(64),
        password_hash TEXT NOT NULL,
        roles TEXT NOT NULL,
        registered_at BIGINT NOT NULL
      )`);
    await runner.query(`CREATE UNIQUE INDEX users_email_lower ON users (lower(email))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE users`);
  }
}
