import { dialectOf, inList, numberOf, rowsOf, StaleAggregateError, StoredVersions, type TransactionHost } from '@shop/persistence';
import { AggregateRepository, isUuid, type EventOutbox } from '@shop/shared-kernel';
import { pointsIntegrationEvents } from '../../application/points.integration-events.js';
import type { PointsAccountRepository } from '../../application/ports/points-account.repository.js';
import { PointsAccount } from '../../domain/points-account.js';
import { LEDGER_ENTRY_COLUMNS, ledgerEntryValues } from './points.rows.js';

const ACCOUNT_COLUMNS = 'user_id, available, frozen, lifetime_earned, debt, version, created_at, updated_at';

/** A row of `points_account` as the drivers return it. */
interface PointsAccountRow {
  user_id: string;
  available: string | number;
  frozen: string | number;
  lifetime_earned: string | number;
  debt: string | number;
  version: string | number;
  created_at: string | number;
  updated_at: string | number;
}

/**
 * Accounts and their append-only ledger in the service's own database, through the current
 * transaction. A save writes the account's row (inserted the first time, then updated at the version it
 * was loaded at) and inserts its pending ledger entries with it, so the balances and the ledger can only
 * change together; the entries' unique `entry_key` refuses a fact written twice (the transaction fails
 * and nothing of it is kept), and the row's CHECKs refuse a negative balance.
 *
 * No upsert: two first credits of one new user racing on two instances both find no row, and the
 * primary key fails the second insert (its transaction rolls back and its message is retried, to
 * find the first one's row) instead of the second overwriting the first's balance.
 */
export class TypeOrmPointsAccountRepository extends AggregateRepository<PointsAccount> implements PointsAccountRepository {
  private readonly versions: StoredVersions<PointsAccount>;

  constructor(
    private readonly transactions: TransactionHost,
    outbox: EventOutbox,
  ) {
    super(transactions, outbox, pointsIntegrationEvents);
    this.versions = new StoredVersions(transactions);
  }

  async findForUpdate(userId: string): Promise<PointsAccount | null> {
    if (!isUuid(userId)) return null;
    const { param, kind } = dialectOf(this.transactions.kind);
    // SQLite has one writer at a time (libs/persistence queues its transactions): no row lock needed there.
    const lock = kind === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await this.query<PointsAccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM points_account WHERE user_id = ${param(1)}${lock}`, [
      userId.toLowerCase(),
    ]);
    if (!row) return null;
    const account = this.tracked(
      PointsAccount.restore({
        userId: row.user_id,
        available: numberOf(row.available),
        frozen: numberOf(row.frozen),
        lifetimeEarned: numberOf(row.lifetime_earned),
        debt: numberOf(row.debt),
        createdAt: new Date(numberOf(row.created_at)),
        updatedAt: new Date(numberOf(row.updated_at)),
      }),
    );
    this.versions.record(account, numberOf(row.version));
    return account;
  }

  async hasLedgerEntry(key: string): Promise<boolean> {
    const { param } = dialectOf(this.transactions.kind);
    const rows = await this.query(`SELECT 1 AS found FROM points_ledger WHERE entry_key = ${param(1)}`, [key]);
    return rows.length > 0;
  }

  protected async persist(account: PointsAccount): Promise<void> {
    const entries = account.pendingEntries;
    // Every change of an account is an entry: none pending, nothing changed (an account opened and left empty is not written).
    if (entries.length === 0) return;
    const dialect = dialectOf(this.transactions.kind);
    const { param } = dialect;
    const state = account.toSnapshot();
    const stored = this.versions.of(account);
    if (stored === undefined) {
      await this.query(`INSERT INTO points_account (${ACCOUNT_COLUMNS}) VALUES ${inList(dialect, 8)}`, [
        state.userId,
        state.available,
        state.frozen,
        state.lifetimeEarned,
        state.debt,
        0,
        state.createdAt.getTime(),
        state.updatedAt.getTime(),
      ]);
      this.versions.record(account, 0);
    } else {
      const updated = await this.query<{ version: string | number }>(
        `UPDATE points_account SET available = ${param(1)}, frozen = ${param(2)}, lifetime_earned = ${param(3)}, debt = ${param(4)},
           version = version + 1, updated_at = ${param(5)}
         WHERE user_id = ${param(6)} AND version = ${param(7)}
         RETURNING version`,
        [state.available, state.frozen, state.lifetimeEarned, state.debt, state.updatedAt.getTime(), state.userId, stored],
      );
      if (updated.length === 0) throw new StaleAggregateError('points_account', state.userId, stored);
      this.versions.record(account, numberOf(updated[0]!.version));
    }
    // One statement per entry, oldest first: `seq` keeps their order.
    for (const entry of entries) {
      await this.query(
        `INSERT INTO points_ledger (${LEDGER_ENTRY_COLUMNS.join(', ')}) VALUES ${inList(dialect, LEDGER_ENTRY_COLUMNS.length)}`,
        ledgerEntryValues(entry),
      );
    }
    account.clearPendingEntries();
  }

  private async query<R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.transactions.manager.query(sql, parameters));
  }
}
