import type { MigrationInterface, QueryRunner } from 'typeorm';

const LEDGER_KINDS = ['BONUS', 'EARN', 'FREEZE', 'RELEASE', 'SPEND', 'REFUND', 'CLAWBACK', 'DEBT', 'DEBT_SETTLED'];
const ORDER_STATUSES = ['RESERVED', 'REJECTED', 'RELEASED', 'CANCELLED_UNSEEN', 'PAID', 'REFUNDED'];
const REJECTION_REASONS = ['INSUFFICIENT_POINTS', 'ORDER_CANCELLED'];
const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * The points context's tables, for PostgreSQL and SQLite alike. Listed after the platform's migrations.
 * Times are epoch milliseconds (BIGINT), as in the other contexts; points are integers (1 point = 1 fen).
 *
 * - `points_account`: one row per user, the balance the ledger adds up to. Its CHECKs are the schema's
 *   backstop for "never negative": a bug or a race that would take `available` below 0 fails its statement.
 * - `points_ledger`: append-only. Every change of an account is one row, with the change of each part of
 *   the balance and the balance after it; `entry_key` (`<KIND>:<order id | user id | …>`) is unique, so a
 *   redelivered event can never apply twice. A trigger refuses UPDATE and DELETE on both databases.
 * - `points_order`: the points side of one order in the saga (what was frozen, spent, earned), by order id.
 *   A RESERVED row's `points` are what its user has frozen for it: the reconciliation holds each account's
 *   `frozen` to their sum.
 */
export class CreatePointsTables1737000000000 implements MigrationInterface {
  name = 'CreatePointsTables1737000000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    const uuid = postgres ? 'UUID' : 'VARCHAR(36)';
    await runner.query(`
      CREATE TABLE points_account (
        user_id ${uuid} PRIMARY KEY,
        available BIGINT NOT NULL CHECK (available >= 0),
        frozen BIGINT NOT NULL CHECK (frozen >= 0),
        lifetime_earned BIGINT NOT NULL CHECK (lifetime_earned >= 0),
        debt BIGINT NOT NULL CHECK (debt >= 0),
        version INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`);

    // `seq` orders a user's entries (the ledger's pages, newest first) and is the page cursor.
    await runner.query(`
      CREATE TABLE points_ledger (
        seq ${postgres ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT'},
        entry_key VARCHAR(120) NOT NULL UNIQUE,
        user_id ${uuid} NOT NULL,
        kind VARCHAR(16) NOT NULL CHECK (kind IN (${sqlList(LEDGER_KINDS)})),
        order_id ${uuid},
        delta_available BIGINT NOT NULL,
        delta_frozen BIGINT NOT NULL,
        delta_earned BIGINT NOT NULL,
        delta_debt BIGINT NOT NULL,
        available_after BIGINT NOT NULL CHECK (available_after >= 0),
        frozen_after BIGINT NOT NULL CHECK (frozen_after >= 0),
        lifetime_earned_after BIGINT NOT NULL CHECK (lifetime_earned_after >= 0),
        debt_after BIGINT NOT NULL CHECK (debt_after >= 0),
        created_at BIGINT NOT NULL
      )`);
    // A user's ledger, newest first (GET /me/points/ledger), and the reconciliation's sums per user.
    await runner.query(`CREATE INDEX points_ledger_user_seq ON points_ledger (user_id, seq DESC)`);
    if (postgres) {
      await runner.query(`
        CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'points_ledger is append-only: % refused', TG_OP;
        END
        $$`);
      await runner.query(
        `CREATE TRIGGER points_ledger_append_only BEFORE UPDATE OR DELETE ON points_ledger FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only()`,
      );
      await runner.query(
        `CREATE TRIGGER points_ledger_no_truncate BEFORE TRUNCATE ON points_ledger FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_append_only()`,
      );
    } else {
      await runner.query(
        `CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only: UPDATE refused'); END`,
      );
      await runner.query(
        `CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only: DELETE refused'); END`,
      );
    }

    // One row per order the saga told the points context about; `user_id` is NULL for a tombstone
    // (a cancellation seen before its placement); `reason` is set on a rejection only.
    await runner.query(`
      CREATE TABLE points_order (
        order_id ${uuid} PRIMARY KEY,
        user_id ${uuid},
        status VARCHAR(20) NOT NULL CHECK (status IN (${sqlList(ORDER_STATUSES)})),
        points BIGINT NOT NULL CHECK (points >= 0),
        earned BIGINT NOT NULL CHECK (earned >= 0),
        reason VARCHAR(64) CHECK (reason IS NULL OR reason IN (${sqlList(REJECTION_REASONS)})),
        version INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`);
    // The reconciliation's: what each user has frozen for orders still RESERVED, and reservations held
    // too long (RESERVED since `updated_at`). Partial: only the orders in flight, a small part of the table.
    await runner.query(`CREATE INDEX points_order_reserved_by_user ON points_order (user_id) WHERE status = 'RESERVED'`);
    await runner.query(`CREATE INDEX points_order_reserved_since ON points_order (updated_at) WHERE status = 'RESERVED'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`DROP TABLE points_order`);
    await runner.query(`DROP TABLE points_ledger`);
    if (postgres) await runner.query(`DROP FUNCTION points_ledger_append_only()`);
    await runner.query(`DROP TABLE points_account`);
  }
}
