import { CONTEXTS } from '@shop/contracts';
import { gatewayConfigFromEnv, serviceUrlVariable, startGateway } from '@shop/gateway';
import {
  loadConfig,
  messagingSettingsFromEnv,
  metricsTokenSpec,
  startContextService,
  type ContextService,
  type RunningService,
  type ServiceRuntime,
} from '@shop/runtime';
import { MemoryTransport } from '@shop/messaging';
import { createLogger, type Logger } from '@shop/observability';
import { developmentSecrets } from './development-secrets.js';

export interface EmbeddedPlatformOptions {
  /** SQLite files and the generated secrets live here (`SHOP_DATA_DIR`). */
  readonly dataDir: string;
  /** The gateway's port; 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  /** Variables the contexts read (admin account, token lifetime, rate limit, …). */
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger;
}

export interface EmbeddedPlatform {
  /** The API's base URL: `http://host:port/api/v1`. */
  readonly apiUrl: string;
  /** The in-process broker every context publishes to and consumes from. */
  readonly transport: MemoryTransport;
  readonly services: readonly RunningService[];
  close(): Promise<void>;
}

/**
 * The embedded mode: the gateway and every context in one process, each on its own SQLite file
 * under the data folder, all on one in-memory transport. The contexts listen on loopback ports of
 * their own, as they would as separate processes, so that the gateway and the services run the same
 * code in both modes.
 */
export async function startEmbeddedPlatform(options: EmbeddedPlatformOptions): Promise<EmbeddedPlatform> {
  const logger = options.logger ?? createLogger('embedded');
  const secrets = developmentSecrets(options.dataDir, options.env);
  // The same messaging variables as a service's own process (HANDLER_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS, …), validated before anything starts.
  const messaging = messagingSettingsFromEnv(options.env);
  // One METRICS_TOKEN for the gateway's /api/v1/metrics and every context's /metrics, as compose gives each process the same one.
  const { METRICS_TOKEN: metricsToken } = loadConfig(metricsTokenSpec(), options.env);
  // Held until every context consumes (each declares the platform's subscription manifest as it
  // starts): consumers start before any relay publishes, and on close publishing stops before any
  // consumer does.
  const transport = new MemoryTransport(logger, { held: true });
  const started: RunningService[] = [];
  const runtimeOf = (service: string): ServiceRuntime => ({
    service,
    host: '127.0.0.1',
    port: 0,
    database: { sqliteDir: options.dataDir },
    messaging,
    transport: () => transport,
    ownsTransport: false,
    internalAuthSecret: secrets.internalAuthSecret,
    metricsToken: metricsToken as string | undefined,
    logger: logger.child({ service }),
  });
  const close = async () => {
    await transport.hold();
    for (const service of started.splice(0).reverse()) await service.close();
    await transport.close();
  };
  try {
    // Every context of CONTEXTS, in its order, each from the `contextService` its app exports.
    // The embedded mode (a try-out on one machine) starts with a small demo catalog unless told otherwise;
    // the order service alone (distributed, compose) seeds none by default. Payments go to the built-in
    // sandbox provider unless told otherwise (there is no real provider on one machine; the payment service
    // alone refuses to start without one), its callbacks signed with the development webhook secret.
    const contextEnv = {
      ...options.env,
      JWT_SECRET: secrets.jwtSecret,
      ORDER_DEMO_CATALOG: options.env['ORDER_DEMO_CATALOG'] ?? 'true',
      PAYMENT_SANDBOX: options.env['PAYMENT_SANDBOX'] ?? 'true',
      PAYMENT_WEBHOOK_SECRET: secrets.paymentWebhookSecret,
    };
    const serviceUrls: Record<string, string> = {};
    for (const { name } of CONTEXTS) {
      const service = await contextServiceOf(name);
      const running = await startContextService(service, runtimeOf(name), service.config(contextEnv));
      started.push(running);
      serviceUrls[serviceUrlVariable(name)] = running.url;
    }
    // Every context consumes now: relays may publish.
    transport.open();
    // The platform's logger, as every context has it: a silent platform (the specs') has a silent gateway too.
    const gateway = await startGateway({
      ...gatewayConfigFromEnv({
        ...options.env,
        PORT: String(options.port),
        HOST: options.host,
        JWT_SECRET: secrets.jwtSecret,
        INTERNAL_AUTH_SECRET: secrets.internalAuthSecret,
        ...serviceUrls,
      }),
      logger: logger.child({ service: 'gateway' }),
    });
    started.push(gateway);
    return { apiUrl: `${gateway.url}/api/v1`, transport, services: [...started], close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The app of a context is the workspace package `@shop/<name>`; its `main.ts` exports how it runs as `contextService`. */
async function contextServiceOf(name: string): Promise<ContextService> {
  const app = (await import(`@shop/${name}`)) as { contextService?: ContextService };
  if (app.contextService?.name !== name) throw new Error(`@shop/${name} does not export the contextService of '${name}' from its main.ts`);
  return app.contextService;
}
