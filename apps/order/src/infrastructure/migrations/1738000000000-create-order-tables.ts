import type { MigrationInterface, QueryRunner } from 'typeorm';

// The lists as they stand at this migration (a later change of the contract's lists is a migration of its own).
const ORDER_STATUSES = ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'CANCELLED', 'REFUNDING', 'REFUNDED'];
const RESERVATION_STEPS = ['NOT_REQUIRED', 'WAITING', 'RESERVED', 'REJECTED'];
const CANCEL_REASONS = [
  'CUSTOMER_CANCELLED',
  'RESERVATION_TIMEOUT',
  'PAYMENT_TIMEOUT',
  'POINTS_EXCEED_PAYABLE',
  'COUPON_NOT_FOUND',
  'COUPON_NOT_OWNER',
  'COUPON_NOT_AVAILABLE',
  'COUPON_EXPIRED',
  'COUPON_BELOW_MIN_SPEND',
  'COUPON_ORDER_CANCELLED',
  'POINTS_INSUFFICIENT_POINTS',
  'POINTS_ORDER_CANCELLED',
];
const REFUND_STATUSES = ['NONE', 'REQUESTED', 'REFUNDED'];
const REFUND_REASONS = ['CUSTOMER_REQUEST', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT', 'AMOUNT_MISMATCH'];
const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * The order context's tables, for PostgreSQL and SQLite alike. Listed after the platform's migrations.
 * Times are epoch milliseconds (BIGINT), money integer fen, as in the other contexts.
 *
 * - `order_product`: the catalog, one row per sku (unique: two admins creating one sku at once get one
 *   row and one SKU_TAKEN). Prices are what orders are priced from; an order copies name and price into
 *   its lines, so a later change of the product never changes an order.
 * - `order_catalog_seed`: which seeds ran, by name; its primary key makes "the first start only" hold
 *   across restarts and across instances starting at once.
 * - `orders`: one row per order with its saga state (each reservation step, the due instants of the
 *   timeouts) and its status; `order_line`, `order_history` (append-only: the code only inserts) and
 *   `order_payment` (every payment heard of for it, captured or not) hang off it by `order_id`.
 *   The CHECKs are the schema's backstop for the domain's lists and bounds.
 */
export class CreateOrderTables1738000000000 implements MigrationInterface {
  name = 'CreateOrderTables1738000000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    const uuid = postgres ? 'UUID' : 'VARCHAR(36)';
    await runner.query(`
      CREATE TABLE order_product (
        product_id ${uuid} PRIMARY KEY,
        sku VARCHAR(64) NOT NULL,
        name VARCHAR(200) NOT NULL,
        price BIGINT NOT NULL CHECK (price > 0),
        active BOOLEAN NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`);
    // Named, so that the repository tells a taken sku from any other unique violation. Also the catalog's order (by sku).
    await runner.query(`CREATE UNIQUE INDEX order_product_sku ON order_product (sku)`);

    await runner.query(`
      CREATE TABLE order_catalog_seed (
        name VARCHAR(64) PRIMARY KEY,
        seeded_at BIGINT NOT NULL
      )`);

    await runner.query(`
      CREATE TABLE orders (
        order_id ${uuid} PRIMARY KEY,
        user_id ${uuid} NOT NULL,
        status VARCHAR(20) NOT NULL CHECK (status IN (${sqlList(ORDER_STATUSES)})),
        subtotal BIGINT NOT NULL CHECK (subtotal > 0),
        coupon_id ${uuid},
        coupon_step VARCHAR(16) NOT NULL CHECK (coupon_step IN (${sqlList(RESERVATION_STEPS)})),
        coupon_discount BIGINT NOT NULL CHECK (coupon_discount >= 0),
        points_to_use BIGINT NOT NULL CHECK (points_to_use >= 0),
        points_step VARCHAR(16) NOT NULL CHECK (points_step IN (${sqlList(RESERVATION_STEPS)})),
        payable BIGINT CHECK (payable IS NULL OR payable >= 0),
        cancel_reason VARCHAR(40) CHECK (cancel_reason IS NULL OR cancel_reason IN (${sqlList(CANCEL_REASONS)})),
        reservation_due_at BIGINT,
        payment_due_at BIGINT,
        version INTEGER NOT NULL DEFAULT 0,
        placed_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`);
    // A customer's orders, newest first (GET /orders and its cursor).
    await runner.query(`CREATE INDEX orders_user_placed ON orders (user_id, placed_at DESC, order_id DESC)`);
    // The timeout job's scans: partial, only the orders waiting on something, a small part of the table.
    await runner.query(`CREATE INDEX orders_reservation_due ON orders (reservation_due_at) WHERE status = 'PENDING'`);
    await runner.query(`CREATE INDEX orders_payment_due ON orders (payment_due_at) WHERE status = 'AWAITING_PAYMENT'`);

    await runner.query(`
      CREATE TABLE order_line (
        order_id ${uuid} NOT NULL,
        line_no INTEGER NOT NULL CHECK (line_no >= 1 AND line_no <= 50),
        sku VARCHAR(64) NOT NULL,
        name VARCHAR(200) NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity >= 1 AND quantity <= 99),
        unit_price BIGINT NOT NULL CHECK (unit_price > 0),
        line_total BIGINT NOT NULL CHECK (line_total > 0),
        PRIMARY KEY (order_id, line_no)
      )`);

    await runner.query(`
      CREATE TABLE order_history (
        order_id ${uuid} NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        status VARCHAR(20) NOT NULL CHECK (status IN (${sqlList(ORDER_STATUSES)})),
        reason VARCHAR(100),
        at BIGINT NOT NULL,
        PRIMARY KEY (order_id, seq)
      )`);

    // Every payment the payment context reported for an order: the captured one, and any it must give back
    // (after a cancellation, a second payment, a wrong amount), each with where its refund stands.
    await runner.query(`
      CREATE TABLE order_payment (
        payment_id ${uuid} PRIMARY KEY,
        order_id ${uuid} NOT NULL,
        payment_no INTEGER NOT NULL CHECK (payment_no >= 1),
        amount BIGINT NOT NULL CHECK (amount >= 0),
        captured BOOLEAN NOT NULL,
        refund_status VARCHAR(16) NOT NULL CHECK (refund_status IN (${sqlList(REFUND_STATUSES)})),
        refund_reason VARCHAR(32) CHECK (refund_reason IS NULL OR refund_reason IN (${sqlList(REFUND_REASONS)})),
        recorded_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`);
    // An order's payments in the order they were heard of.
    await runner.query(`CREATE UNIQUE INDEX order_payment_order ON order_payment (order_id, payment_no)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE order_payment`);
    await runner.query(`DROP TABLE order_history`);
    await runner.query(`DROP TABLE order_line`);
    await runner.query(`DROP TABLE orders`);
    await runner.query(`DROP TABLE order_catalog_seed`);
    await runner.query(`DROP TABLE order_product`);
  }
}
