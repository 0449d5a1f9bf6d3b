import type { RunningService } from '@shop/runtime';
import { silentLogger } from '@shop/observability';
import { userContext } from '@shop/contracts';
import { startGateway, type GatewayConfig } from '../../src/main.js';
import { INTERNAL_AUTH_SECRET, JWT_SECRET } from './access-tokens.js';
import { FakeUserService } from './fake-user-service.js';

export interface TestGateway {
  /** `http://127.0.0.1:<port>/api/v1` */
  readonly api: string;
  readonly user: FakeUserService;
  readonly gateway: RunningService;
  close(): Promise<void>;
}

/** A fake user service and a gateway in front of it, both on free ports; `serviceUrls` adds (or replaces) services. */
export async function startTestGateway(config: Partial<GatewayConfig> = {}): Promise<TestGateway> {
  const user = await new FakeUserService(INTERNAL_AUTH_SECRET).start();
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    jwtSecret: JWT_SECRET,
    internalAuthSecret: INTERNAL_AUTH_SECRET,
    rateLimitPerMinute: 0,
    metricsToken: METRICS_TOKEN,
    contexts: [userContext],
    logger: silentLogger(),
    ...config,
    // The fake fronts the user context only: the gateway needs a URL for each context it mounts, so a test
    // mounting others passes their stand-ins, which join the fake's.
    serviceUrls: { user: user.url, ...config.serviceUrls },
  });
  return {
    api: `${gateway.url}/api/v1`,
    user,
    gateway,
    close: async () => {
      await gateway.close();
      await user.stop();
    },
  };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** `/api/v1/metrics` answers only this bearer token (`METRICS_TOKEN`). */
export const METRICS_TOKEN = 'the-gateway-tests-metrics-token';
export const withMetricsToken: RequestInit = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

export const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
