import { ZERO_BALANCE } from '../../domain/ledger-entry.js';
import type { LedgerPage, LedgerPageRequest, PointsBalanceView, PointsQueries } from '../ports/points.queries.js';
import type { InMemoryPointsAccountRepository } from './in-memory-points-account.repository.js';
import type { InMemoryPointsLedger } from './in-memory-points-ledger.js';

/** The read side over the fakes' stored rows, with the port's filters and order. */
export class InMemoryPointsQueries implements PointsQueries {
  constructor(
    private readonly accounts: InMemoryPointsAccountRepository,
    private readonly ledger: InMemoryPointsLedger,
  ) {}

  async balanceOf(userId: string): Promise<PointsBalanceView> {
    const row = this.accounts.rowOf(userId);
    if (!row) return ZERO_BALANCE;
    const { available, frozen, lifetimeEarned, debt } = row;
    return { available, frozen, lifetimeEarned, debt };
  }

  async ledgerOf(userId: string, page: LedgerPageRequest): Promise<LedgerPage> {
    const older = this.ledger
      .entriesOf(userId)
      .filter((entry) => page.beforeSeq === null || entry.seq < page.beforeSeq)
      .sort((a, b) => b.seq - a.seq);
    return { entries: older.slice(0, page.limit), hasMore: older.length > page.limit };
  }
}
