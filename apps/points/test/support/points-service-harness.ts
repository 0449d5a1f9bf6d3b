import type { Identity } from '@shop/http';
import { ContextApi, ContextServiceHome, type ContextUnderTest, type RunningContextService, type Setup } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import { loadPointsConfig, startPointsService, type PointsConfig } from '../../src/main.js';

export { SETUPS, aCustomer, anAdmin, envelopeOf, problemOf, type Problem, type RequestOptions, type Setup } from '@shop/runtime/testing';

export const INTERNAL_AUTH_SECRET = 'the-points-tests-internal-secret-of-32-bytes';
/** `/metrics` answers only this bearer token (`METRICS_TOKEN`). */
export const METRICS_TOKEN = 'the-points-tests-metrics-token';

/**
 * The service's configuration as its variables would give it (`POINTS_SIGNUP_BONUS`,
 * `POINTS_RECONCILE_INTERVAL_MS`, `POINTS_RECONCILE_PAGE_SIZE`), e.g. `testPointsConfig({ POINTS_SIGNUP_BONUS: '0' })`.
 */
export function testPointsConfig(env: NodeJS.ProcessEnv = {}): PointsConfig {
  return loadPointsConfig(env);
}

/** A started instance of the service, with its HTTP client. */
export type RunningPointsService = RunningContextService<PointsApi>;

/** Calls one points instance over HTTP, either as the gateway forwards a call or straight past it. */
export class PointsApi extends ContextApi {
  constructor(url: string) {
    super(url, 'points', INTERNAL_AUTH_SECRET, METRICS_TOKEN);
  }

  /** GET /me/points for `customer`: the raw answer. */
  myPoints(customer: Identity): Promise<Response> {
    return this.viaGateway('GET', '/me/points', { identity: customer });
  }

  /** GET /me/points/ledger for `customer`, with `query` as written (`?cursor=…&limit=…`, or ''): the raw answer. */
  myLedger(customer: Identity, query = ''): Promise<Response> {
    return this.viaGateway('GET', `/me/points/ledger${query}`, { identity: customer });
  }
}

const POINTS: ContextUnderTest<PointsConfig, PointsApi> = {
  service: 'points',
  start: startPointsService,
  defaultConfig: () => testPointsConfig(),
  api: (url) => new PointsApi(url),
  internalAuthSecret: INTERNAL_AUTH_SECRET,
  metricsToken: METRICS_TOKEN,
};

/**
 * One points service "deployment" for a test (`ContextServiceHome`): one database and one broker shared
 * by every instance started on them, its queue `points.events`.
 *
 *     const home = await PointsServiceHome.create('postgres+amqp', cleanups);
 *     const [a, b] = await home.startInstances(2);
 *     const answers = await home.listen([PointsReservedV1.type, PointsReservationRejectedV1.type]);
 *     await home.deliver(envelopeOf(OrderPlacedV1, { ... }, { aggregateId: orderId })); // published and handled
 *     await home.deliverTwice(envelopeOf(OrderCancelledV1, { ... }, { aggregateId: orderId }));
 *     await a.api.myPoints(aCustomer(userId));
 *     metricValue(await a.api.metrics(), 'shop_points_balance_mismatches');
 *     await home.count('points_ledger', `user_id = ${home.param(1)}`, [userId]);
 */
export class PointsServiceHome extends ContextServiceHome<PointsConfig, PointsApi> {
  static async create(setup: Setup, cleanups: Cleanups): Promise<PointsServiceHome> {
    return new PointsServiceHome(POINTS, await ContextServiceHome.place('points', setup, cleanups), cleanups);
  }
}
