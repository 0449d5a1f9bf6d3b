import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ensurePostgresDatabase } from '@shop/persistence';
import { runClaims, type ClaimOutcome, type ClaimRun } from './claims.js';

const DECREMENT = 'UPDATE flash_template SET issued = issued + 1 WHERE id = $1 AND issued < total_stock';
const INSERT_CLAIM = 'INSERT INTO flash_claim (id, template_id, user_id) VALUES ($1, $2, $3)';

/**
 * The baseline: what a hand-written claim costs on PostgreSQL alone, on a database and tables of
 * its own. One transaction per attempt on a pooled connection: the conditional stock decrement
 * (the template's `issued` counter, raised only while below the stock), then, when it took, the
 * claim row (unique per template and user, the per-user limit of 1); a sold-out attempt rolls back.
 */
export class RawClaims {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(databaseUrl: string, poolSize: number): Promise<RawClaims> {
    await ensurePostgresDatabase(databaseUrl);
    // Connections are kept once opened (no idle timeout): the measured run meets a warm pool.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, idleTimeoutMillis: 0 });
    await pool.query(`
      CREATE TABLE flash_template (
        id UUID PRIMARY KEY,
        total_stock INT NOT NULL,
        issued INT NOT NULL DEFAULT 0,
        CHECK (issued >= 0 AND issued <= total_stock)
      );
      CREATE TABLE flash_claim (
        id UUID PRIMARY KEY,
        template_id UUID NOT NULL REFERENCES flash_template (id),
        user_id UUID NOT NULL,
        claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (template_id, user_id)
      )`);
    return new RawClaims(pool);
  }

  async createTemplate(totalStock: number): Promise<string> {
    const id = randomUUID();
    await this.pool.query('INSERT INTO flash_template (id, total_stock) VALUES ($1, $2)', [id, totalStock]);
    return id;
  }

  /** One attempt per user, `concurrency` at once (one pooled connection each when the pool is that large). */
  claimAll(templateId: string, userIds: readonly string[], concurrency: number): Promise<ClaimRun> {
    return runClaims(userIds.length, concurrency, (index) => this.claim(templateId, userIds[index]!));
  }

  /** The claims and the counter of a template, as stored. */
  async counts(templateId: string): Promise<{ claims: number; owners: number; issued: number }> {
    const { rows } = await this.pool.query<{ claims: number; owners: number; issued: number }>(
      `SELECT COUNT(*)::int AS claims, COUNT(DISTINCT user_id)::int AS owners, (SELECT issued FROM flash_template WHERE id = $1) AS issued
         FROM flash_claim WHERE template_id = $1`,
      [templateId],
    );
    return rows[0]!;
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async claim(templateId: string, userId: string): Promise<ClaimOutcome> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(DECREMENT, [templateId]);
      if (rowCount !== 1) {
        await client.query('ROLLBACK');
        return 'sold_out';
      }
      await client.query(INSERT_CLAIM, [randomUUID(), templateId, userId]);
      await client.query('COMMIT');
      return 'issued';
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return `other error ${(error as { code?: string }).code ?? (error as Error).message}`;
    } finally {
      client.release();
    }
  }
}
