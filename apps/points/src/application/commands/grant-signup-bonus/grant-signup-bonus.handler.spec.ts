import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { GrantSignupBonusHandler } from './grant-signup-bonus.handler.js';
import { pointsApplicationFixture, type PointsApplicationFixture } from '../../testing/points-application.fixture.js';

describe('GrantSignupBonusHandler', () => {
  let f: PointsApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = pointsApplicationFixture();
  });

  it('opens the account with the bonus as a BONUS entry, once however often the registration is delivered, announcing nothing', async () => {
    expect(await f.handlers.grantSignupBonus.execute({ userId })).toEqual({ outcome: 'granted', points: 100 });
    expect(await f.handlers.grantSignupBonus.execute({ userId })).toEqual({ outcome: 'already-granted' });

    expect(await f.balanceOf(userId)).toEqual({ available: 100, frozen: 0, lifetimeEarned: 100, debt: 0 });
    expect(f.ledger.all().map((e) => [e.key, e.kind, e.orderId, e.delta.available, e.createdAt])).toEqual([
      [`BONUS:${userId}`, 'BONUS', null, 100, f.clock.now()],
    ]);
    expect(f.outbox.events).toEqual([]);
  });

  it('grants once to one user in whatever spelling of their id: the account and its key keep one', async () => {
    expect(await f.handlers.grantSignupBonus.execute({ userId: userId.toUpperCase() })).toEqual({ outcome: 'granted', points: 100 });
    expect(await f.handlers.grantSignupBonus.execute({ userId: userId.toUpperCase() })).toEqual({ outcome: 'already-granted' });
    expect(await f.handlers.grantSignupBonus.execute({ userId })).toEqual({ outcome: 'already-granted' });
    expect(f.accounts.all().map((a) => a.userId)).toEqual([userId]);
    expect(f.ledger.all().map((e) => e.key)).toEqual([`BONUS:${userId}`]);
  });

  it('grants the configured bonus', async () => {
    f = pointsApplicationFixture({ signupBonus: 250 });
    expect(await f.handlers.grantSignupBonus.execute({ userId })).toEqual({ outcome: 'granted', points: 250 });
    expect((await f.balanceOf(userId)).available).toBe(250);
  });

  it('adds the bonus to an account that already earned, and pays a debt from it first', async () => {
    const orderId = newId();
    // An order paid and refunded before the registration was seen: its earned points are owed.
    await f.handlers.confirm.execute({ orderId, userId, pointsToUse: 0, amountPaid: 3_000 });
    const otherOrder = newId();
    await f.handlers.reserve.execute({ orderId: otherOrder, userId, points: 30 });
    await f.handlers.returnForRefund.execute({ orderId, userId, pointsToUse: 0 });
    expect(await f.balanceOf(userId)).toEqual({ available: 0, frozen: 30, lifetimeEarned: 0, debt: 30 });

    expect(await f.handlers.grantSignupBonus.execute({ userId })).toEqual({ outcome: 'granted', points: 100 });

    expect(await f.balanceOf(userId)).toEqual({ available: 70, frozen: 30, lifetimeEarned: 100, debt: 0 });
    expect(f.ledger.entriesOf(userId).map((e) => e.key)).toEqual([
      `EARN:${orderId}`,
      `FREEZE:${otherOrder}`,
      `DEBT:${orderId}`,
      `BONUS:${userId}`,
      `DEBT_SETTLED:BONUS:${userId}`,
    ]);
  });

  it('grants nothing when the bonus is configured to 0: no account, no entry', async () => {
    f = pointsApplicationFixture({ signupBonus: 0 });
    expect(await f.handlers.grantSignupBonus.execute({ userId })).toEqual({ outcome: 'disabled' });
    expect(f.accounts.all()).toEqual([]);
    expect(f.ledger.all()).toEqual([]);
    expect(f.unitOfWork.runs).toBe(0);
  });

  it.each([-1, 1.5, 1e13])('refuses to be built with a bonus of %s', (signupBonus) => {
    expect(() => new GrantSignupBonusHandler(f.unitOfWork, f.accounts, f.clock, { signupBonus })).toThrow(expect.objectContaining({ code: 'INVALID_POINTS' }));
  });
});
