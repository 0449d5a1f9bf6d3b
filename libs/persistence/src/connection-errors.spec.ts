import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { isConnectionError, isDatabaseBusy, isDatabaseTimeout } from './connection-errors.js';

/**
 * The errors are the real ones node-postgres and better-sqlite3 raise, produced against closed
 * ports and small fake servers that speak just enough of the PostgreSQL protocol.
 */
const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const message = (type: string, body: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
};
const authenticationOk = message('R', Buffer.from([0, 0, 0, 0]));
const readyForQuery = message('Z', Buffer.from('I'));
const errorResponse = (sqlstate: string, text: string) => message('E', Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${text}\0\0`));

/** Completes the startup, then answers the first query with `onQuery` (or never). */
const fakePostgres = (onQuery?: (socket: Socket) => void) =>
  listen((socket) => {
    let started = false;
    socket.on('data', () => {
      if (!started) {
        started = true;
        socket.write(Buffer.concat([authenticationOk, readyForQuery]));
      } else onQuery?.(socket);
    });
    socket.on('error', () => undefined);
  });

const errorOf = async (work: () => Promise<unknown>): Promise<unknown> => {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};

const client = (port: number, extra: Partial<pg.ClientConfig> = {}) => new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x', ...extra });
const queried = async (port: number, extra: Partial<pg.ClientConfig> = {}) => {
  const c = client(port, extra);
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await errorOf(() => c.query('SELECT 1'));
  } finally {
    void c.end().catch(() => undefined);
  }
};
const wrapped = (driverError: unknown) => new QueryFailedError('SELECT 1', [], driverError as Error);

describe('isConnectionError', () => {
  it('recognises a refused connection, bare and behind TypeORM and cause chains', async () => {
    const closedPort = await listen(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const refused = await errorOf(() => client(closedPort).connect());
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isConnectionError(refused)).toBe(true);
    expect(isConnectionError(wrapped(refused))).toBe(true);
    expect(isConnectionError(new Error('handler failed', { cause: new Error('inner', { cause: refused }) }))).toBe(true);
    expect(isConnectionError(new AggregateError([refused], 'all addresses failed'))).toBe(true);
  });

  it('recognises a database host name that does not resolve (DNS down or the name gone during a failover)', async () => {
    const unresolved = await errorOf(() =>
      new pg.Client({ host: 'postgres.invalid', port: 5432, user: 'x', database: 'x', connectionTimeoutMillis: 5_000 }).connect(),
    );
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((unresolved as { code?: string }).code);
    expect(isConnectionError(wrapped(unresolved))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('getaddrinfo EAI_AGAIN postgres'), { code: 'EAI_AGAIN' }))).toBe(true);
  });

  it('recognises a connection dropped at start or mid-query, and the pool and connect timeouts', async () => {
    const slammed = await listen((socket) => socket.destroy());
    const terminated = await errorOf(() => client(slammed).connect());
    expect((terminated as Error).message).toBe('Connection terminated unexpectedly');
    expect(isConnectionError(terminated)).toBe(true);

    const dropsOnQuery = await fakePostgres((socket) => socket.destroy());
    expect(isConnectionError(wrapped(await queried(dropsOnQuery)))).toBe(true);

    const silent = await listen(() => undefined);
    const pool = new pg.Pool({ host: '127.0.0.1', port: silent, user: 'x', database: 'x', max: 1, connectionTimeoutMillis: 100 });
    const [connectTimeout, poolTimeout] = await Promise.all([errorOf(() => pool.query('SELECT 1')), errorOf(() => pool.query('SELECT 1'))]);
    await pool.end();
    expect([(connectTimeout as Error).message, (poolTimeout as Error).message].sort()).toEqual([
      'Connection terminated due to connection timeout',
      'timeout exceeded when trying to connect',
    ]);
    expect(isConnectionError(connectTimeout)).toBe(true);
    expect(isConnectionError(poolTimeout)).toBe(true);
  });

  it('recognises a query read timeout and SQLSTATE classes 08 and 57P01-57P03', async () => {
    const neverAnswers = await fakePostgres();
    const readTimeout = await queried(neverAnswers, { query_timeout: 50 });
    expect((readTimeout as Error).message).toBe('Query read timeout');
    expect(isConnectionError(wrapped(readTimeout))).toBe(true);

    for (const sqlstate of ['57P01', '57P02', '57P03', '08006', '08P01']) {
      const port = await fakePostgres((socket) => socket.end(errorResponse(sqlstate, 'going away')));
      const error = await queried(port);
      expect((error as { code?: string }).code).toBe(sqlstate);
      expect(isConnectionError(wrapped(error))).toBe(true);
    }
  });

  it('does not take a failure of the work itself for a connection failure', async () => {
    // 55P03 lock_not_available (lock_timeout) and 57014 query_canceled (statement_timeout) are the work's own.
    for (const sqlstate of ['23505', '42601', '40001', '22P02', '55P03', '57014']) {
      const port = await fakePostgres((socket) => socket.write(Buffer.concat([errorResponse(sqlstate, 'no'), readyForQuery])));
      const error = await queried(port);
      expect((error as { code?: string }).code).toBe(sqlstate);
      expect(isConnectionError(wrapped(error))).toBe(false);
    }
    expect(isConnectionError(new Error('amount 3 is poisoned'))).toBe(false);
    expect(isConnectionError(null)).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
    const cyclic = new Error('cyclic') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(isConnectionError(cyclic)).toBe(false);
  });
});

describe('isDatabaseTimeout', () => {
  it('recognises a statement cancelled at statement_timeout and a lock wait ended by lock_timeout, and nothing else', async () => {
    for (const sqlstate of ['57014', '55P03']) {
      const port = await fakePostgres((socket) => socket.write(Buffer.concat([errorResponse(sqlstate, 'canceling statement due to timeout'), readyForQuery])));
      const error = await queried(port);
      expect((error as { code?: string }).code).toBe(sqlstate);
      expect(isDatabaseTimeout(wrapped(error))).toBe(true);
      expect(isDatabaseTimeout(new Error('use case failed', { cause: wrapped(error) }))).toBe(true);
    }
    for (const sqlstate of ['23505', '40001', '57P01', '08006']) {
      const port = await fakePostgres((socket) => socket.end(Buffer.concat([errorResponse(sqlstate, 'no'), readyForQuery])));
      expect(isDatabaseTimeout(wrapped(await queried(port)))).toBe(false);
    }
    const neverAnswers = await fakePostgres();
    expect(isDatabaseTimeout(wrapped(await queried(neverAnswers, { query_timeout: 50 })))).toBe(false);
    expect(isDatabaseTimeout(new Error('57014'))).toBe(false);
  });
});

describe('isDatabaseBusy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connection-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('recognises SQLITE_BUSY from better-sqlite3, and nothing else', () => {
    const file = join(dir, 'busy.sqlite');
    const holder = new Database(file);
    const waiter = new Database(file, { timeout: 0 });
    try {
      holder.exec('CREATE TABLE t (n INTEGER)');
      holder.exec('BEGIN EXCLUSIVE');
      let busy: unknown;
      try {
        waiter.exec('INSERT INTO t VALUES (1)');
      } catch (error) {
        busy = error;
      }
      expect((busy as { code?: string }).code).toBe('SQLITE_BUSY');
      expect(isDatabaseBusy(wrapped(busy))).toBe(true);
      expect(isConnectionError(wrapped(busy))).toBe(true);
      let constraint: unknown;
      try {
        holder.exec('INSERT INTO nowhere VALUES (1)');
      } catch (error) {
        constraint = error;
      }
      expect(isDatabaseBusy(wrapped(constraint))).toBe(false);
      expect(isConnectionError(wrapped(constraint))).toBe(false);
    } finally {
      holder.close();
      waiter.close();
    }
  });
});
