import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@shop/observability';
import type { RunningService } from '@shop/runtime';
import { userContext } from '@shop/contracts';
import { metricValue as valueIn } from '@shop/testing';
import { startGateway, type GatewayConfig } from '../../src/main.js';
import { INTERNAL_AUTH_SECRET, JWT_SECRET } from './access-tokens.js';
import { FakeUserService } from './fake-user-service.js';

/** The Redis of this machine; every test run writes under a key prefix of its own and never flushes. */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const METRICS_TOKEN = 'a-metrics-token-of-at-least-32-bytes-for-tests';

export const uniqueKeyPrefix = (): string => `test:gateway:${randomUUID()}`;

export interface GatewayFleet {
  /** `http://127.0.0.1:<port>/api/v1` of each instance. */
  readonly apis: readonly string[];
  readonly user: FakeUserService;
  readonly gateways: readonly RunningService[];
  close(): Promise<void>;
}

/** `instances` gateways in front of one fake user service, with the same configuration (the same Redis and prefix, when given). */
export async function startGatewayFleet(instances: number, config: Partial<GatewayConfig>): Promise<GatewayFleet> {
  const user = await new FakeUserService(INTERNAL_AUTH_SECRET).start();
  const gateways: RunningService[] = [];
  // The metrics token is read by gateways that guard /metrics, and is harmless to the others.
  const metrics: Record<string, unknown> = { metricsToken: METRICS_TOKEN };
  for (let i = 0; i < instances; i += 1) {
    gateways.push(
      await startGateway({
        host: '127.0.0.1',
        port: 0,
        jwtSecret: JWT_SECRET,
        internalAuthSecret: INTERNAL_AUTH_SECRET,
        rateLimitPerMinute: 0,
        // The fake fronts the user context only: the gateway needs a URL for each context it mounts.
        serviceUrls: { user: user.url },
        contexts: [userContext],
        logger: silentLogger(),
        ...metrics,
        ...config,
      }),
    );
  }
  return {
    apis: gateways.map((gateway) => `${gateway.url}/api/v1`),
    user,
    gateways,
    close: async () => {
      for (const gateway of gateways) await gateway.close();
      await user.stop();
    },
  };
}

/** The sum of a metric's series on the gateway's `/metrics` that carry every label given (0 when none). */
export async function metricValue(api: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  return valueIn(await response.text(), name, labels) ?? 0;
}

/**
 * A "Redis" that answers the client's ready check and then nothing ever again: a server that has
 * hung, or a network that drops packets. `url` to point a gateway at it.
 */
export class SilentRedis {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<SilentRedis> {
    const server = createServer();
    const silent = new SilentRedis(server);
    server.on('connection', (socket) => {
      silent.sockets.add(socket);
      socket.once('close', () => silent.sockets.delete(socket));
      // The ready check is an INFO: say the server has loaded, then stay silent.
      socket.once('data', () => {
        const info = '# Server\r\nredis_version:7.0.0\r\nloading:0\r\n';
        socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return silent;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port of this machine nothing listens on (taken, then let go). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const loginBody = (email: string, password: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ email, password }),
});
