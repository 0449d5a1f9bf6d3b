import { type Identity } from '@shop/http';
import { ContextApi, ContextServiceHome, anAdmin, type ContextUnderTest, type RunningContextService, type Setup } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import { loadCouponConfig, startCouponService, type CouponConfig } from '../../src/main.js';

export { SETUPS, aCustomer, anAdmin, envelopeOf, problemOf, type RequestOptions, type Setup } from '@shop/runtime/testing';

export const INTERNAL_AUTH_SECRET = 'the-coupon-tests-internal-secret-of-32-bytes';
/** `/metrics` answers only this bearer token (`METRICS_TOKEN`). */
export const METRICS_TOKEN = 'the-coupon-tests-metrics-token';

/** The service's configuration as its variables would give it (`COUPON_EXPIRY_INTERVAL_MS`, `COUPON_EXPIRY_BATCH_SIZE`). */
export function testCouponConfig(env: NodeJS.ProcessEnv = {}): CouponConfig {
  return loadCouponConfig(env);
}

/** A started instance of the service, with its HTTP client. */
export type RunningCouponService = RunningContextService<CouponApi>;

/** Calls one coupon instance over HTTP, either as the gateway forwards a call or straight past it. */
export class CouponApi extends ContextApi {
  constructor(url: string) {
    super(url, 'coupon', INTERNAL_AUTH_SECRET, METRICS_TOKEN);
  }

  /** Creates a template as an admin; throws unless 201. */
  async createTemplate<T = { templateId: string }>(body: unknown, admin: Identity = anAdmin()): Promise<T> {
    const response = await this.viaGateway('POST', '/admin/coupon-templates', { identity: admin, body });
    if (response.status !== 201) throw new Error(`createCouponTemplate answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Claims a coupon of `templateId` for `customer`: the raw answer (201, or 409 problem+json). */
  claim(templateId: string, customer: Identity): Promise<Response> {
    return this.viaGateway('POST', `/coupon-templates/${templateId}/claim`, { identity: customer });
  }
}

const COUPON: ContextUnderTest<CouponConfig, CouponApi> = {
  service: 'coupon',
  start: startCouponService,
  defaultConfig: () => testCouponConfig(),
  api: (url) => new CouponApi(url),
  internalAuthSecret: INTERNAL_AUTH_SECRET,
  metricsToken: METRICS_TOKEN,
};

/**
 * One coupon service "deployment" for a test (`ContextServiceHome`): one database and one broker
 * shared by every instance started on them, its queue `coupon.events`.
 *
 *     const home = await CouponServiceHome.create('postgres+amqp', cleanups);
 *     const [a, b] = await home.startInstances(2);
 *     await a.api.viaGateway('POST', '/admin/coupon-templates', { identity: anAdmin(), body });
 *     await home.deliver(envelopeOf(UserRegisteredV1, { ... })); // published and handled
 *     await home.count('coupon', `user_id = '${userId}'`);
 */
export class CouponServiceHome extends ContextServiceHome<CouponConfig, CouponApi> {
  static async create(setup: Setup, cleanups: Cleanups): Promise<CouponServiceHome> {
    return new CouponServiceHome(COUPON, await ContextServiceHome.place('coupon', setup, cleanups), cleanups);
  }
}
