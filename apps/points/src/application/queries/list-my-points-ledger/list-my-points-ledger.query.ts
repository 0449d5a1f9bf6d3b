import type { PointsLedgerEntry } from '@shop/contracts';

export interface ListMyPointsLedgerQuery {
  /** The signed-in user, as the gateway vouches for. */
  readonly userId: string;
  /** The `nextCursor` of the page before; absent for the newest entries. */
  readonly cursor?: string;
  /** 1–200 (`POINTS_LEDGER_LIMIT`), default 50. */
  readonly limit?: number;
}

export interface ListMyPointsLedgerResult {
  /** Newest first. */
  readonly entries: PointsLedgerEntry[];
  /** The cursor of the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}
