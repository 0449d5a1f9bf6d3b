import type { MigrationInterface, QueryRunner } from 'typeorm';

// The lists as they stand at this migration (a later change of the contract's lists is a migration of its own).
const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDING', 'REFUNDED'];
const FAILURE_REASONS = ['DECLINED', 'EXPIRED', 'PROVIDER_ERROR'];
const PAYABLE_ORDER_STATES = ['AWAITING_PAYMENT', 'PAID', 'CANCELLED'];
const SANDBOX_CHARGE_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const SANDBOX_REFUND_ANSWERS = ['ACCEPT', 'REFUSE'];
/** Money is integer fen; a trillion fen bounds every total the platform handles (as the contracts say). */
const MAX_FEN = 1_000_000_000_000;
const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');
/** Three capital letters on both databases (SQLite's CHAR(3) holds any length; `upper` is ASCII-only on both). */
const currencyCheck = (column: string) => `CHECK (length(${column}) = 3 AND upper(${column}) = ${column})`;

/**
 * The payment context's tables, for PostgreSQL and SQLite alike. Listed after the platform's migrations.
 * Times are epoch milliseconds (BIGINT), money integer fen, as in the other contexts.
 *
 * - `payment_payable_order`: the local projection of the orders awaiting payment, from the order
 *   context's own events (order.awaiting-payment.v1, order.cancelled.v1, order.paid.v1): what a customer
 *   may pay and until when, without a call to the order service.
 * - `payment`: one row per payment attempt, with where its refund stands (a payment is refunded at most
 *   once, wholly). `payment_pending_order` (unique, partial) is the backstop of "at most one PENDING
 *   payment per order": two POST /payments racing past the handler's check leave one row and one
 *   unique violation. The partial indexes keep the reconciliation's and the refund retries' scans on the
 *   few rows waiting on something.
 * - `payment_sandbox_charge`: the built-in sandbox provider's own book of charges (what a real provider
 *   keeps on its side), keyed by our payment id, the merchant reference every provider call is idempotent on.
 */
export class CreatePaymentTables1739000000000 implements MigrationInterface {
  name = 'CreatePaymentTables1739000000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    const uuid = postgres ? 'UUID' : 'VARCHAR(36)';

    await runner.query(`
      CREATE TABLE payment_payable_order (
        order_id ${uuid} PRIMARY KEY,
        user_id ${uuid} NOT NULL,
        payable BIGINT NOT NULL CHECK (payable >= 0 AND payable <= ${MAX_FEN}),
        payment_due_at BIGINT,
        state VARCHAR(20) NOT NULL CHECK (state IN (${sqlList(PAYABLE_ORDER_STATES)})),
        updated_at BIGINT NOT NULL
      )`);

    await runner.query(`
      CREATE TABLE payment (
        payment_id ${uuid} PRIMARY KEY,
        order_id ${uuid} NOT NULL,
        user_id ${uuid} NOT NULL,
        amount BIGINT NOT NULL CHECK (amount >= 0 AND amount <= ${MAX_FEN}),
        currency CHAR(3) NOT NULL ${currencyCheck('currency')},
        status VARCHAR(16) NOT NULL CHECK (status IN (${sqlList(PAYMENT_STATUSES)})),
        provider VARCHAR(50) NOT NULL,
        provider_payment_id VARCHAR(200),
        failure_reason VARCHAR(20) CHECK (failure_reason IS NULL OR failure_reason IN (${sqlList(FAILURE_REASONS)})),
        failure_detail VARCHAR(500),
        created_at BIGINT NOT NULL,
        settled_at BIGINT,
        refund_id ${uuid},
        refund_reason VARCHAR(100),
        refund_requested_at BIGINT,
        refund_attempts INTEGER NOT NULL DEFAULT 0 CHECK (refund_attempts >= 0),
        refund_last_error VARCHAR(500),
        refund_next_attempt_at BIGINT,
        refunded_at BIGINT,
        version INTEGER NOT NULL DEFAULT 0,
        CHECK (status NOT IN ('REFUNDING', 'REFUNDED') OR (refund_id IS NOT NULL AND refund_reason IS NOT NULL AND refund_requested_at IS NOT NULL)),
        CHECK (status <> 'REFUNDED' OR refunded_at IS NOT NULL),
        CHECK (status <> 'FAILED' OR failure_reason IS NOT NULL)
      )`);
    // At most one PENDING payment per order: the backstop of POST /payments' check (named: the repository tells it apart).
    await runner.query(`CREATE UNIQUE INDEX payment_pending_order ON payment (order_id) WHERE status = 'PENDING'`);
    // An order's payments (has it one that succeeded?); the refund request names the payment, but is checked against its order.
    await runner.query(`CREATE INDEX payment_order ON payment (order_id)`);
    // The reconciliation's scan: the PENDING payments, oldest first.
    await runner.query(`CREATE INDEX payment_pending_created ON payment (created_at, payment_id) WHERE status = 'PENDING'`);
    // The refund retries' scan: the refunds due, soonest first.
    await runner.query(`CREATE INDEX payment_refunds_due ON payment (refund_next_attempt_at, payment_id) WHERE status = 'REFUNDING'`);
    // GET /admin/payments, newest first, and with ?status= (REFUNDING: what is stuck).
    await runner.query(`CREATE INDEX payment_created ON payment (created_at DESC, payment_id DESC)`);
    await runner.query(`CREATE INDEX payment_status_created ON payment (status, created_at DESC, payment_id DESC)`);

    await runner.query(`
      CREATE TABLE payment_sandbox_charge (
        payment_id ${uuid} PRIMARY KEY,
        provider_payment_id VARCHAR(200) NOT NULL,
        amount BIGINT NOT NULL CHECK (amount >= 0 AND amount <= ${MAX_FEN}),
        currency CHAR(3) NOT NULL ${currencyCheck('currency')},
        status VARCHAR(16) NOT NULL CHECK (status IN (${sqlList(SANDBOX_CHARGE_STATUSES)})),
        refunds VARCHAR(8) NOT NULL CHECK (refunds IN (${sqlList(SANDBOX_REFUND_ANSWERS)})),
        failure_reason VARCHAR(500),
        callback_event_id ${uuid},
        refund_id ${uuid},
        refunded_at BIGINT,
        created_at BIGINT NOT NULL,
        settled_at BIGINT,
        CHECK (status = 'PENDING' OR settled_at IS NOT NULL),
        CHECK (refund_id IS NULL OR status = 'SUCCEEDED')
      )`);
    await runner.query(`CREATE UNIQUE INDEX payment_sandbox_charge_provider_id ON payment_sandbox_charge (provider_payment_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE payment_sandbox_charge`);
    await runner.query(`DROP TABLE payment`);
    await runner.query(`DROP TABLE payment_payable_order`);
  }
}
