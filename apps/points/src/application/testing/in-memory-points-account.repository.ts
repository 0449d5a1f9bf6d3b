import type { EventOutbox } from '@shop/shared-kernel';
import { InMemoryAggregateRepository, type InMemoryUnitOfWork } from '@shop/testing';
import { PointsAccount, type PointsAccountSnapshot } from '../../domain/points-account.js';
import { pointsIntegrationEvents } from '../points.integration-events.js';
import type { PointsAccountRepository } from '../ports/points-account.repository.js';
import type { InMemoryPointsLedger } from './in-memory-points-ledger.js';

/**
 * Accounts in memory, saved as the real repository saves them: the row, then its pending entries into
 * the shared ledger (a key already there fails the save, as the unique constraint does), then its
 * events to the outbox. The unit of work's one-at-a-time transactions stand in for the row lock.
 */
export class InMemoryPointsAccountRepository extends InMemoryAggregateRepository<PointsAccount, PointsAccountSnapshot> implements PointsAccountRepository {
  constructor(
    unitOfWork: InMemoryUnitOfWork,
    outbox: EventOutbox,
    private readonly ledger: InMemoryPointsLedger,
  ) {
    super(unitOfWork, outbox, pointsIntegrationEvents, { toRow: (account) => account.toSnapshot(), fromRow: (row) => PointsAccount.restore(row) });
  }

  async findForUpdate(userId: string): Promise<PointsAccount | null> {
    return this.findById(userId.toLowerCase());
  }

  async hasLedgerEntry(key: string): Promise<boolean> {
    return this.ledger.has(key);
  }

  /** The stored row as it is (for assertions and for tests that corrupt it: `insert` a restored account). */
  rowOf(userId: string): PointsAccountSnapshot | undefined {
    return this.rows.get(userId);
  }

  protected override async persist(account: PointsAccount): Promise<void> {
    await super.persist(account);
    this.ledger.append(account.pendingEntries);
    account.clearPendingEntries();
  }
}
