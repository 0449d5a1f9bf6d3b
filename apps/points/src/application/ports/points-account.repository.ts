import type { PointsAccount } from '../../domain/points-account.js';

/**
 * Where each user's account and its ledger live. Joins the transaction of the unit of work it is
 * called in.
 */
export interface PointsAccountRepository {
  /**
   * The user's account, its row locked until the transaction ends; null if none. Two orders of one user
   * racing on two instances: the second waits here for the first, then sees what is left. (Two first
   * credits of a new user both finding none are settled by the primary key on insert: the loser's
   * transaction fails and its message is retried, then finds the winner's row.)
   */
  findForUpdate(userId: string): Promise<PointsAccount | null>;
  /**
   * Adds or updates the account, appends its pending ledger entries (then clears them from it) and
   * writes its events to the outbox, all in the same transaction. An entry whose key is already in the
   * ledger fails the save: nothing applies twice.
   */
  save(account: PointsAccount): Promise<void>;
  /** Whether the ledger holds an entry with this business key (`ledgerKey`). */
  hasLedgerEntry(key: string): Promise<boolean>;
}
