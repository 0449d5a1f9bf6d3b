import { dialectOf, rowsOf, type TransactionHost } from '@shop/persistence';
import type { CatalogSeed } from '../../application/ports/catalog-seed.js';

/**
 * Which seeds ran, in `order_catalog_seed`: a claim inserts the seed's row, in the caller's transaction.
 * Only the first claim ever inserts it (its primary key): instances starting at once, or a restart after
 * an admin changed the seeded products, get false. On PostgreSQL a second claim racing the first waits
 * for it to commit (then gets false) or roll back (then gets the row).
 */
export class SqlCatalogSeed implements CatalogSeed {
  constructor(private readonly transactions: TransactionHost) {}

  async claim(name: string, at: Date): Promise<boolean> {
    const { param } = dialectOf(this.transactions.kind);
    const rows = rowsOf(
      await this.transactions.manager.query(
        `INSERT INTO order_catalog_seed (name, seeded_at) VALUES (${param(1)}, ${param(2)}) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, at.getTime()],
      ),
    );
    return rows.length === 1;
  }
}
