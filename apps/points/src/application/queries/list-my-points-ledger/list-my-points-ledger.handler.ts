import { Inject, Injectable } from '@nestjs/common';
import { POINTS_LEDGER_LIMIT } from '@shop/contracts';
import { pageLimit } from '@shop/shared-kernel';
import { POINTS_QUERIES } from '../../points.di-tokens.js';
import { ledgerEntryResponseOf } from '../../points.presenters.js';
import type { PointsQueries } from '../../ports/points.queries.js';
import { decodeLedgerCursor, encodeLedgerCursor } from './ledger-cursor.js';
import type { ListMyPointsLedgerQuery, ListMyPointsLedgerResult } from './list-my-points-ledger.query.js';

/** The signed-in user's ledger, newest first, a page at a time (keyset paging on the entries' `seq`: stable while entries are added). */
@Injectable()
export class ListMyPointsLedgerHandler {
  constructor(@Inject(POINTS_QUERIES) private readonly queries: PointsQueries) {}

  async execute(query: ListMyPointsLedgerQuery): Promise<ListMyPointsLedgerResult> {
    const limit = pageLimit(query.limit, POINTS_LEDGER_LIMIT);
    const beforeSeq = query.cursor === undefined ? null : decodeLedgerCursor(query.cursor);
    const page = await this.queries.ledgerOf(query.userId, { beforeSeq, limit });
    const last = page.entries.at(-1);
    return { entries: page.entries.map(ledgerEntryResponseOf), nextCursor: page.hasMore && last ? encodeLedgerCursor(last.seq) : null };
  }
}
