import { ManualClock, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { InMemoryEventOutbox, InMemoryUnitOfWork } from '@shop/testing';
import { PointsAccount } from '../../domain/points-account.js';
import { Points } from '../../domain/points.js';
import { ConfirmPointsForOrderHandler } from '../commands/confirm-points-for-order/confirm-points-for-order.handler.js';
import { GrantSignupBonusHandler } from '../commands/grant-signup-bonus/grant-signup-bonus.handler.js';
import { ReconcilePointsBalancesHandler } from '../commands/reconcile-points-balances/reconcile-points-balances.handler.js';
import { ReleasePointsForOrderHandler } from '../commands/release-points-for-order/release-points-for-order.handler.js';
import { ReservePointsForOrderHandler } from '../commands/reserve-points-for-order/reserve-points-for-order.handler.js';
import { ReturnPointsForRefundedOrderHandler } from '../commands/return-points-for-refunded-order/return-points-for-refunded-order.handler.js';
import type { PointsRules } from '../points.di-tokens.js';
import type { OrderPointsRepository } from '../ports/order-points.repository.js';
import type { PointsAccountRepository } from '../ports/points-account.repository.js';
import type { PointsQueries } from '../ports/points.queries.js';
import type { PointsReconciliation } from '../ports/points-reconciliation.js';
import { GetMyPointsHandler } from '../queries/get-my-points/get-my-points.handler.js';
import { ListMyPointsLedgerHandler } from '../queries/list-my-points-ledger/list-my-points-ledger.handler.js';
import { InMemoryOrderPointsRepository } from './in-memory-order-points.repository.js';
import { InMemoryPointsAccountRepository } from './in-memory-points-account.repository.js';
import { InMemoryPointsLedger } from './in-memory-points-ledger.js';
import { InMemoryPointsReconciliation } from './in-memory-points-reconciliation.js';
import { InMemoryPointsQueries } from './in-memory-points.queries.js';

export const FIXTURE_NOW = new Date('2026-02-01T08:00:00.000Z');

/** The ports every use case of the points context needs, as the module wires them to the real adapters. */
export interface PointsPorts {
  readonly unitOfWork: UnitOfWork;
  readonly accounts: PointsAccountRepository;
  readonly orders: OrderPointsRepository;
  readonly queries: PointsQueries;
  readonly reconciliation: PointsReconciliation;
  readonly clock: Clock;
  readonly rules: PointsRules;
}

/** Every use case of the points context over the given ports. */
export function pointsHandlersOf(ports: PointsPorts) {
  const { unitOfWork, accounts, orders, clock } = ports;
  return {
    grantSignupBonus: new GrantSignupBonusHandler(unitOfWork, accounts, clock, ports.rules),
    reserve: new ReservePointsForOrderHandler(unitOfWork, orders, accounts, clock),
    release: new ReleasePointsForOrderHandler(unitOfWork, orders, accounts, clock),
    confirm: new ConfirmPointsForOrderHandler(unitOfWork, orders, accounts, clock),
    returnForRefund: new ReturnPointsForRefundedOrderHandler(unitOfWork, orders, accounts, clock),
    reconcile: new ReconcilePointsBalancesHandler(ports.reconciliation, clock),
    getMyPoints: new GetMyPointsHandler(ports.queries),
    listMyLedger: new ListMyPointsLedgerHandler(ports.queries),
  };
}

export type PointsHandlers = ReturnType<typeof pointsHandlersOf>;

/**
 * Every port of the points context's use cases in memory, sharing one ledger and one unit of work, and
 * every handler built over them. `signupBonus` defaults to 100, as the service's configuration does.
 */
export function pointsApplicationFixture(options: { signupBonus?: number } = {}) {
  const unitOfWork = new InMemoryUnitOfWork();
  const outbox = new InMemoryEventOutbox(unitOfWork);
  const ledger = new InMemoryPointsLedger(unitOfWork);
  const accounts = new InMemoryPointsAccountRepository(unitOfWork, outbox, ledger);
  const orders = new InMemoryOrderPointsRepository(unitOfWork, outbox);
  const queries = new InMemoryPointsQueries(accounts, ledger);
  const reconciliation = new InMemoryPointsReconciliation(accounts, ledger, orders);
  const clock = new ManualClock(FIXTURE_NOW);
  const rules: PointsRules = { signupBonus: options.signupBonus ?? 100 };
  const handlers = pointsHandlersOf({ unitOfWork, accounts, orders, queries, reconciliation, clock, rules });

  /** A user with `available` points, earned as a sign-up bonus (so the ledger agrees); nothing announced. */
  const givenAccount = async (userId: string, available: number): Promise<void> => {
    await unitOfWork.run(async () => {
      const account = (await accounts.findForUpdate(userId)) ?? PointsAccount.open(userId, clock.now());
      account.grantSignupBonus(Points.of(available), clock.now());
      await accounts.save(account);
    });
  };

  /** The user's stored balances (zeros without an account). */
  const balanceOf = (userId: string) => queries.balanceOf(userId);

  return { unitOfWork, outbox, ledger, accounts, orders, queries, reconciliation, clock, rules, handlers, givenAccount, balanceOf };
}

export type PointsApplicationFixture = ReturnType<typeof pointsApplicationFixture>;
