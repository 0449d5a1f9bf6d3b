import { listenPort, loadConfig, runServiceProcess, str } from '@shop/runtime';
import { createLogger } from '@shop/observability';
import { startEmbeddedPlatform } from './embedded-platform.js';

// `npm start`: the whole platform in one process on the embedded defaults, run as every app is
// (configuration problems listed together, tracing started once as 'shop' before any context opens
// its database and stopped after the platform, clean stop on SIGINT / SIGTERM).
await runServiceProcess(
  'shop',
  {
    config: () =>
      loadConfig(
        {
          PORT: listenPort({ default: 3000, desc: "port of the platform's gateway" }),
          HOST: str({ default: '127.0.0.1', desc: 'interface to listen on' }),
          SHOP_DATA_DIR: str({ default: './data', desc: 'folder of the SQLite files and the generated development secrets' }),
        },
        process.env,
      ),
  },
  async ({ config }) => {
    const logger = createLogger('embedded');
    const platform = await startEmbeddedPlatform({ dataDir: config.SHOP_DATA_DIR, port: config.PORT as number, host: config.HOST, env: process.env, logger });
    const gateway = platform.services.find((service) => service.service === 'gateway')!;
    logger.info(
      { dataDir: config.SHOP_DATA_DIR, services: platform.services.map((s) => s.service) },
      `shop platform (embedded) ready: ${platform.apiUrl} — try GET ${platform.apiUrl}/health`,
    );
    return { service: 'shop', url: platform.apiUrl, boundAddress: gateway.boundAddress, close: () => platform.close() };
  },
);
