import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy.js';

/** An echo server stands in for PostgreSQL: the subject here is the proxy's own behaviour. */
describe('TcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    const address = echo.address() as { port: number };
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: address.port });
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect(proxy.port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });
  /** What comes back within `ms`, or null. */
  const roundTrip = (socket: Socket, text: string, ms = 300): Promise<string | null> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.off('data', onData);
        resolve(null);
      }, ms);
      const onData = (chunk: Buffer) => {
        clearTimeout(timer);
        resolve(chunk.toString());
      };
      socket.once('data', onData);
      socket.write(text);
    });
  const closed = (socket: Socket): Promise<void> => new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  it('forwards both ways in pass mode', async () => {
    const socket = await open();
    expect(await roundTrip(socket, 'ping')).toBe('ping');
    socket.destroy();
  });

  it('refuse resets open connections and refuses new ones', async () => {
    const socket = await open();
    socket.on('error', () => {});
    expect(await roundTrip(socket, 'a')).toBe('a');
    proxy.setMode('refuse');
    await closed(socket);
    const late = connect(proxy.port, '127.0.0.1');
    const outcome = await new Promise<string>((resolve) => {
      late.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      late.once('close', () => resolve('closed'));
      late.once('data', () => resolve('data'));
    });
    expect(['ECONNRESET', 'closed']).toContain(outcome);
  });

  it('blackhole keeps connections open but forwards nothing, and pass delivers what was held', async () => {
    const socket = await open();
    expect(await roundTrip(socket, 'x')).toBe('x');
    proxy.setMode('blackhole');
    expect(await roundTrip(socket, 'held')).toBeNull();
    expect(socket.destroyed).toBe(false);
    const received = new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    proxy.setMode('pass');
    expect(await received).toBe('held');
    socket.destroy();
  });
});
