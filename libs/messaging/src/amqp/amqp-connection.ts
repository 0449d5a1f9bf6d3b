import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { Logger } from 'pino';

export interface ReconnectDelay {
  readonly initial: number;
  readonly max: number;
}

export interface ReconnectingConnectionOptions {
  readonly url: string;
  /** Shown in the broker's management UI and `rabbitmqctl list_connections`. */
  readonly connectionName: string;
  readonly reconnectDelayMs: ReconnectDelay;
  readonly heartbeatSeconds: number;
  /** Failed attempts at start-up before `open` gives up; once connected, it retries forever. */
  readonly initialConnectRetries: number;
  readonly logger: Logger;
  /** Runs on every (re)connect before the connection counts as up; a failure closes it and retries. */
  readonly setup?: (model: ChannelModel) => Promise<void>;
}

/** A socket that connects but never completes the AMQP handshake counts as a failed attempt. */
const CONNECT_TIMEOUT_MS = 10_000;

/** amqplib takes the heartbeat only from the URL; an explicit `?heartbeat=` in it wins. */
function withHeartbeat(url: string, heartbeatSeconds: number): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has('heartbeat')) return url;
  parsed.searchParams.set('heartbeat', String(heartbeatSeconds));
  return parsed.toString();
}

type ConnectedListener = (model: ChannelModel) => void;

/**
 * One broker connection that comes back by itself, built on amqplib's opt-in recovery: amqplib
 * reconnects with exponential backoff and jitter and runs `setup` on each new connection; channels,
 * topology and consumers are ours to recreate, through `setup` and `onConnected`.
 */
export class ReconnectingConnection {
  private current: ChannelModel | null = null;
  private readonly connectedListeners = new Set<ConnectedListener>();

  private constructor(
    private readonly recovering: RecoveringChannelModel,
    private readonly logger: Logger,
  ) {}

  static async open(options: ReconnectingConnectionOptions): Promise<ReconnectingConnection> {
    const logger = options.logger.child({ connection: options.connectionName });
    const recovering = await connect(withHeartbeat(options.url, options.heartbeatSeconds), {
      // Small frames (acks, single republishes) go out at once instead of waiting on Nagle.
      noDelay: true,
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: options.connectionName },
      recovery: {
        initialDelay: options.reconnectDelayMs.initial,
        maxDelay: options.reconnectDelayMs.max,
        maxRetries: Infinity,
        initialMaxRetries: options.initialConnectRetries,
        // Resolve at once so that every listener is attached before the first attempt.
        waitForConnect: false,
        setup: async (model: ChannelModel) => {
          // Without an 'error' listener a connection error would be thrown out of amqplib's socket
          // handlers, and amqplib attaches its own only once setup has succeeded. Errors are logged
          // through the recovering connection; during setup they surface as 'connect-failed'.
          model.on('error', () => {});
          await options.setup?.(model);
        },
      },
    });
    const connection = new ReconnectingConnection(recovering, logger);
    connection.listen();
    try {
      await recovering.waitForConnect();
    } catch (error) {
      await recovering.close();
      throw error;
    }
    return connection;
  }

  /** The live connection, or null while reconnecting (and after `close`). */
  get model(): ChannelModel | null {
    return this.current;
  }

  /** Called after every (re)connect, once the connection is up. Returns the unsubscribe function. */
  onConnected(listener: ConnectedListener): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** Closes the connection and stops reconnecting (amqplib clears its reconnect timer). */
  async close(): Promise<void> {
    this.connectedListeners.clear();
    this.current = null;
    await this.recovering.close();
  }

  private listen(): void {
    const { recovering, logger } = this;
    recovering.on('connect', (model: ChannelModel) => {
      this.current = model;
      logger.info('amqp connected');
      for (const listener of [...this.connectedListeners]) {
        try {
          listener(model);
        } catch (error) {
          logger.error({ err: error }, 'amqp connect listener failed');
        }
      }
    });
    recovering.on('disconnect', (error: Error) => {
      this.current = null;
      logger.warn({ err: error }, 'amqp connection lost; reconnecting');
    });
    recovering.on('connect-failed', (error: Error) => logger.warn({ err: error }, 'amqp connect attempt failed'));
    recovering.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) =>
      logger.debug({ attempt, delayMs: delay }, 'amqp reconnect scheduled'),
    );
    recovering.on('reconnect-failed', (error: Error) => logger.error({ err: error }, 'amqp reconnecting given up'));
    recovering.on('error', (error: Error) => logger.warn({ err: error }, 'amqp connection error'));
    recovering.on('blocked', (reason: string) => logger.warn({ reason }, 'amqp connection blocked by the broker'));
    recovering.on('unblocked', () => logger.info('amqp connection unblocked'));
  }
}
