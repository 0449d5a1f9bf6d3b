import { Inject, Injectable } from '@nestjs/common';
import type { PointsBalance } from '@shop/contracts';
import { POINTS_QUERIES } from '../../points.di-tokens.js';
import type { PointsQueries } from '../../ports/points.queries.js';
import type { GetMyPointsQuery } from './get-my-points.query.js';

/** The signed-in user's balances; all zero for a user who has no points yet. */
@Injectable()
export class GetMyPointsHandler {
  constructor(@Inject(POINTS_QUERIES) private readonly queries: PointsQueries) {}

  async execute(query: GetMyPointsQuery): Promise<PointsBalance> {
    const { available, frozen, lifetimeEarned, debt } = await this.queries.balanceOf(query.userId);
    return { available, frozen, lifetimeEarned, debt };
  }
}
