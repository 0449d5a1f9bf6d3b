import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BenchOrder } from './workload.js';

/** The schema of the baseline's tables, in the service's database beside the service's own. */
export const RAW_SCHEMA = 'bench_raw';
/** The service's tables a handler writes, copied by the baseline. */
const TABLES = ['points_account', 'points_ledger', 'points_order', 'inbox', 'outbox', 'outbox_pending', 'outbox_aggregate_sequence'];
const LEDGER_COLUMNS =
  'entry_key, user_id, kind, order_id, delta_available, delta_frozen, delta_earned, delta_debt, available_after, frozen_after, lifetime_earned_after, debt_after, created_at';
const LEDGER_VALUES = '($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)';
/** The outbox writer's statement for one event: bump the aggregate's counter, write the row, enqueue it. */
const OUTBOX_WRITE = `
  WITH bumped AS (
    INSERT INTO outbox_aggregate_sequence (aggregate_id, last_seq) VALUES ($3, 1)
    ON CONFLICT (aggregate_id) DO UPDATE SET last_seq = outbox_aggregate_sequence.last_seq + 1
    RETURNING last_seq),
  written AS (
    INSERT INTO outbox (message_id, type, aggregate_id, partition_no, source, correlation_id, causation_id, occurred_at, payload, created_at, aggregate_seq)
    SELECT $1, $2, $3, $4, 'points', $5, $6, $7, $8, $9, last_seq FROM bumped
    RETURNING seq, partition_no, aggregate_id, created_at)
  INSERT INTO outbox_pending (seq, partition_no, aggregate_id, created_at) SELECT seq, partition_no, aggregate_id, created_at FROM written`;

/** An account as locked: its balance (BIGINT columns, parsed) and version. */
interface Account {
  readonly available: number;
  readonly frozen: number;
  readonly lifetimeEarned: number;
  readonly debt: number;
  readonly version: number;
}

/**
 * The baseline: the same work per event as the points service's handlers, written by hand, one
 * transaction each on a `pg` pool, `concurrency` events in flight. The tables are copies of the
 * service's (`CREATE TABLE … (LIKE … INCLUDING ALL)`: columns, CHECKs, indexes) in a schema of their
 * own, so the rows, constraints and indexes written are the same. No broker, no framework: what the
 * service spends beyond this is the platform (RabbitMQ, the consumer, the inbox and outbox code, Nest,
 * TypeORM, the domain model, the relay).
 */
export class RawSaga {
  private constructor(private readonly pool: pg.Pool) {}

  /** Copies the service's tables (its migrations must have run) into `RAW_SCHEMA` and opens the pool. */
  static async open(databaseUrl: string, concurrency: number): Promise<RawSaga> {
    const setup = new pg.Client({ connectionString: databaseUrl });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA ${RAW_SCHEMA}`);
      for (const table of TABLES) await setup.query(`CREATE TABLE ${RAW_SCHEMA}.${table} (LIKE public.${table} INCLUDING ALL)`);
    } finally {
      await setup.end();
    }
    // Connections are kept once opened (no idle timeout): the measured run meets a warm pool.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency, idleTimeoutMillis: 0, options: `-c search_path=${RAW_SCHEMA}` });
    return new RawSaga(pool);
  }

  /** The sign-up bonus of each user, set-based (not measured): the account row and its BONUS entry. */
  async grantBonus(userIds: readonly string[], bonus: number): Promise<void> {
    const now = Date.now();
    await this.pool.query(
      `INSERT INTO points_account (user_id, available, frozen, lifetime_earned, debt, version, created_at, updated_at)
       SELECT u, $2, 0, $2, 0, 0, $3, $3 FROM unnest($1::uuid[]) AS u`,
      [userIds, bonus, now],
    );
    await this.pool.query(
      `INSERT INTO points_ledger (${LEDGER_COLUMNS})
       SELECT 'BONUS:' || u, u, 'BONUS', NULL, $2, 0, $2, 0, $2, 0, $2, 0, $3 FROM unnest($1::uuid[]) AS u`,
      [userIds, bonus, now],
    );
  }

  /** order.placed.v1: inbox row, order row looked up, account locked, points frozen, FREEZE entry, order RESERVED, points.reserved.v1 to the outbox. */
  place(order: BenchOrder): Promise<void> {
    return this.transaction(async (client, now) => {
      await this.inbox(client, 'reserve-points-on-order-placed', now);
      await client.query('SELECT status FROM points_order WHERE order_id = $1 FOR UPDATE', [order.orderId]);
      const account = await this.lockAccount(client, order.userId);
      const available = account.available - order.pointsToUse;
      const frozen = account.frozen + order.pointsToUse;
      if (available < 0) throw new Error(`raw baseline: user ${order.userId} cannot freeze ${order.pointsToUse}`);
      await this.updateAccount(client, order.userId, account, { available, frozen, lifetimeEarned: account.lifetimeEarned }, now);
      await client.query(`INSERT INTO points_ledger (${LEDGER_COLUMNS}) VALUES ${LEDGER_VALUES}`, [
        `FREEZE:${order.orderId}`,
        order.userId,
        'FREEZE',
        order.orderId,
        -order.pointsToUse,
        order.pointsToUse,
        0,
        0,
        available,
        frozen,
        account.lifetimeEarned,
        account.debt,
        now,
      ]);
      await client.query(
        `INSERT INTO points_order (order_id, user_id, status, points, earned, reason, version, created_at, updated_at) VALUES ($1, $2, 'RESERVED', $3, 0, NULL, 0, $4, $4)`,
        [order.orderId, order.userId, order.pointsToUse, now],
      );
      const id = randomUUID();
      const occurredAt = new Date(now).toISOString();
      const payload = JSON.stringify({ orderId: order.orderId, userId: order.userId, points: order.pointsToUse, reservedAt: occurredAt });
      await client.query(OUTBOX_WRITE, [id, 'points.reserved.v1', order.orderId, 0, id, null, occurredAt, payload, now]);
    });
  }

  /** order.paid.v1: inbox row, order row locked, account locked, frozen points spent (SPEND) and the payment's points earned (EARN), order PAID. */
  pay(order: BenchOrder): Promise<void> {
    return this.transaction(async (client, now) => {
      await this.inbox(client, 'confirm-points-on-order-paid', now);
      const { rows } = await client.query<{ status: string; version: number }>('SELECT status, version FROM points_order WHERE order_id = $1 FOR UPDATE', [
        order.orderId,
      ]);
      if (rows[0]?.status !== 'RESERVED') throw new Error(`raw baseline: order ${order.orderId} is ${rows[0]?.status ?? 'unknown'}, not RESERVED`);
      const account = await this.lockAccount(client, order.userId);
      const earned = Math.floor(order.amountPaid / 100);
      const frozen = account.frozen - order.pointsToUse;
      const available = account.available + earned;
      const lifetimeEarned = account.lifetimeEarned + earned;
      await this.updateAccount(client, order.userId, account, { available, frozen, lifetimeEarned }, now);
      const entry = (kind: string, deltas: number[], after: number[]) =>
        client.query(`INSERT INTO points_ledger (${LEDGER_COLUMNS}) VALUES ${LEDGER_VALUES}`, [
          `${kind}:${order.orderId}`,
          order.userId,
          kind,
          order.orderId,
          ...deltas,
          ...after,
          now,
        ]);
      await entry('SPEND', [0, -order.pointsToUse, 0, 0], [account.available, frozen, account.lifetimeEarned, account.debt]);
      await entry('EARN', [earned, 0, earned, 0], [available, frozen, lifetimeEarned, account.debt]);
      await client.query(`UPDATE points_order SET status = 'PAID', earned = $2, version = version + 1, updated_at = $3 WHERE order_id = $1 AND version = $4`, [
        order.orderId,
        earned,
        now,
        rows[0].version,
      ]);
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async transaction(work: (client: pg.PoolClient, now: number) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client, Date.now());
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async inbox(client: pg.PoolClient, handler: string, now: number): Promise<void> {
    const { rowCount } = await client.query(
      'INSERT INTO inbox (message_id, handler, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING message_id',
      [randomUUID(), handler, now],
    );
    if (rowCount !== 1) throw new Error('raw baseline: a fresh message id was already in the inbox');
  }

  private async lockAccount(client: pg.PoolClient, userId: string): Promise<Account> {
    const { rows } = await client.query<{ available: string; frozen: string; lifetime_earned: string; debt: string; version: number }>(
      'SELECT available, frozen, lifetime_earned, debt, version FROM points_account WHERE user_id = $1 FOR UPDATE',
      [userId],
    );
    const row = rows[0];
    if (!row) throw new Error(`raw baseline: no account for ${userId}`);
    return {
      available: Number(row.available),
      frozen: Number(row.frozen),
      lifetimeEarned: Number(row.lifetime_earned),
      debt: Number(row.debt),
      version: row.version,
    };
  }

  private async updateAccount(
    client: pg.PoolClient,
    userId: string,
    account: Account,
    next: { available: number; frozen: number; lifetimeEarned: number },
    now: number,
  ): Promise<void> {
    const { rowCount } = await client.query(
      `UPDATE points_account SET available = $2, frozen = $3, lifetime_earned = $4, version = version + 1, updated_at = $5
       WHERE user_id = $1 AND version = $6 RETURNING version`,
      [userId, next.available, next.frozen, next.lifetimeEarned, now, account.version],
    );
    if (rowCount !== 1) throw new Error(`raw baseline: account ${userId} changed under its lock`);
  }
}
