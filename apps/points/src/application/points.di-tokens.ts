/**
 * DI tokens of the points context's ports. UNIT_OF_WORK and EVENT_OUTBOX come from
 * @shop/shared-kernel, the same for every context.
 */
export const POINTS_ACCOUNT_REPOSITORY = Symbol.for('shop.points.PointsAccountRepository');
export const ORDER_POINTS_REPOSITORY = Symbol.for('shop.points.OrderPointsRepository');
export const POINTS_QUERIES = Symbol.for('shop.points.PointsQueries');
export const POINTS_RECONCILIATION = Symbol.for('shop.points.PointsReconciliation');
export const POINTS_CLOCK = Symbol.for('shop.points.Clock');
/** The configured rules the use cases apply (`PointsRules`). */
export const POINTS_RULES = Symbol.for('shop.points.PointsRules');

/** The rules that come from configuration rather than code. */
export interface PointsRules {
  /** Points granted on registration (`POINTS_SIGNUP_BONUS`); 0 turns the bonus off. */
  readonly signupBonus: number;
}
