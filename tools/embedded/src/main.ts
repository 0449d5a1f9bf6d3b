import { closeOnSignals, withTracingShutdown } from '@shop/runtime';
import { createLogger, startTracing, type Tracing } from '@shop/observability';
import { startEmbeddedPlatform } from './embedded-platform.js';

// `npm start`: the whole platform in one process on the embedded defaults.
const logger = createLogger('embedded');
const dataDir = process.env['SHOP_DATA_DIR'] ?? './data';
let tracing: Tracing | undefined;
try {
  // Once for the whole process (every span says which service made it in `shop.service`), before any
  // context opens its database.
  tracing = startTracing({ service: 'shop' });
  const platform = await startEmbeddedPlatform({
    dataDir,
    port: Number(process.env['PORT'] ?? 3000),
    host: process.env['HOST'] ?? '127.0.0.1',
    env: process.env,
    logger,
  });
  closeOnSignals(withTracingShutdown(platform, tracing), logger);
  logger.info(
    { dataDir, services: platform.services.map((s) => s.service) },
    `shop platform (embedded) ready: ${platform.apiUrl} — try GET ${platform.apiUrl}/health`,
  );
} catch (error) {
  logger.error({ err: error }, 'the embedded platform could not start');
  console.error(error instanceof Error ? error.message : error);
  await tracing?.shutdown();
  process.exit(1);
}
