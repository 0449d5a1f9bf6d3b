import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

describe('GetMyPointsHandler', () => {
  let f: PointsApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = pointsApplicationFixture();
  });

  it('answers zeros for a user without points yet', async () => {
    expect(await f.handlers.getMyPoints.execute({ userId })).toEqual({ available: 0, frozen: 0, lifetimeEarned: 0, debt: 0 });
  });

  it('answers the user’s own balances, nobody else’s', async () => {
    await f.givenAccount(userId, 100);
    await f.givenAccount(newId(), 999);
    await f.handlers.reserve.execute({ orderId: newId(), userId, points: 30 });

    expect(await f.handlers.getMyPoints.execute({ userId })).toEqual({ available: 70, frozen: 30, lifetimeEarned: 100, debt: 0 });
  });
});
