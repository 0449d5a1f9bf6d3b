import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { WORK_SHARE_OF_SHUTDOWN } from '@shop/messaging';
import { type Logger } from '@shop/observability';

/**
 * Nest's own lines into the service's log: its chatter (routes mapped, app started) at debug level,
 * its warnings and errors as such, with whatever it passed along (a stack, a context).
 */
export function nestLoggerFor(logger: Logger): LoggerService {
  const at =
    (level: 'trace' | 'debug' | 'warn' | 'error' | 'fatal') =>
    (message: unknown, ...params: unknown[]): void => {
      const context = params.at(-1);
      const fields = {
        nest: typeof context === 'string' ? context : undefined,
        ...(message instanceof Error ? { err: message } : {}),
        ...((level === 'error' || level === 'fatal') && params.length > 1 ? { details: params.slice(0, -1) } : {}),
      };
      logger[level](fields, message instanceof Error ? message.message : String(message));
    };
  return { log: at('debug'), debug: at('debug'), verbose: at('trace'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}

/** Where a listening app can be reached: `http://127.0.0.1:<port>` for a wildcard address. */
export function listeningUrlOf(app: INestApplication): string {
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** True when the module at `moduleUrl` is the script node was started with (`node apps/x/dist/main.js`). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  try {
    return script !== undefined && moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/**
 * Closes a Nest app within `shutdownTimeoutMs`. Nest closes the HTTP server after the messaging work
 * in flight has stopped, and that close waits for every open request; a request stuck on an
 * unreachable database would hold it past the deadline. So once the work share of the deadline is
 * used, the server stops accepting and the connections still open are cut (their transactions roll
 * back, their clients see the connection drop and may retry).
 */
export function closeAppWithin(app: INestApplication, shutdownTimeoutMs: number): Promise<void> {
  const server = app.getHttpServer() as Server;
  const cut = setTimeout(() => {
    server.close();
    server.closeAllConnections();
  }, shutdownTimeoutMs * WORK_SHARE_OF_SHUTDOWN);
  return app.close().finally(() => clearTimeout(cut));
}
