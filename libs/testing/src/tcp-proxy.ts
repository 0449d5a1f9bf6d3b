import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats traffic:
 * - `pass`: forwards both ways;
 * - `refuse`: resets every open connection and every new one at once (a server that is down);
 * - `blackhole`: accepts connections and keeps open ones, but forwards nothing either way (a network
 *   that drops packets: callers see neither data nor an error until their own timeouts fire).
 */
export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

/**
 * A TCP proxy a test controls, put in front of a shared server (PostgreSQL) to simulate its outage
 * without stopping it. Point the code under test at `url(...)` / `port`, then switch `mode`.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private currentMode: ProxyMode = 'pass';

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }, listenPort = 0): Promise<TcpProxy> {
    // Connections arrive only after the listen below, once `proxy` exists.
    const server = createServer((client) => proxy.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    const proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  get mode(): ProxyMode {
    return this.currentMode;
  }

  /** Open client connections (for tests that wait until a pool has reconnected). */
  get connections(): number {
    return this.pairs.size;
  }

  setMode(mode: ProxyMode): void {
    this.currentMode = mode;
    for (const pair of [...this.pairs]) {
      if (mode === 'refuse') this.drop(pair);
      else if (mode === 'blackhole') {
        pair.client.pause();
        pair.upstream.pause();
      } else {
        pair.client.resume();
        pair.upstream.resume();
      }
    }
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString().replace(/\/$/, '');
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (this.currentMode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => this.drop(pair);
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    this.forward(client, upstream);
    this.forward(upstream, client);
    if (this.currentMode === 'blackhole') {
      client.pause();
      upstream.pause();
    }
  }

  /** Not pipe(): it resumes a paused source on the destination's 'drain', which would end a blackhole. */
  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.currentMode !== 'pass') {
        from.pause();
        from.unshift(chunk);
        return;
      }
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (this.currentMode === 'pass') from.resume();
    });
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.resetAndDestroy();
    pair.upstream.destroy();
  }
}
