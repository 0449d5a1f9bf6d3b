import { createServer } from 'node:http';
import { MemoryTransport, createLogger } from '@shop/messaging';

/**
 * The embedded run mode: every context in one process on SQLite and the in-memory transport.
 * The contexts join this process as they are built (see the issues); until then it serves the
 * health route so that `npm start` shows the process, its transport and its data folder.
 */
const port = Number(process.env['PORT'] ?? 3000);
const dataDir = process.env['SHOP_DATA_DIR'] ?? './data';
const logger = createLogger('embedded');
const transport = new MemoryTransport(logger);
const contexts: string[] = [];

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/api/v1/health') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ok', mode: 'embedded', transport: transport.kind, dataDir, contexts }));
    return;
  }
  response.writeHead(404, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'NOT_FOUND', detail: `${request.method} ${request.url} is not a route` }));
});

server.listen(port, () => logger.info(`shop platform (embedded) on http://localhost:${port}/api/v1 — health: /api/v1/health`));

const shutdown = (signal: string) => {
  logger.info({ signal }, 'shutting down');
  server.close(() => void transport.close().then(() => process.exit(0)));
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
