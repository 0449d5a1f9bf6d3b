import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { pino, type Logger } from 'pino';
import type { EventEnvelope } from '@shop/contracts';
import { anEnvelope, deleteQueuesOf } from '@shop/testing';
import { afterAll, beforeAll } from 'vitest';
import { AmqpTransport, type AmqpTransportOptions } from '../../src/amqp/index.js';

export const AMQP_URL = process.env['TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** `TEST_LOG_LEVEL=debug` shows the transport's logs. */
export const testLogger = (): Logger => pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

export const uniqueService = (): string => `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** A routing key only this test's queue is bound to. */
export const eventTypeOf = (service: string, name = 'happened'): string => `${service}.${name}.v1`;

/** On the wire every field is a header: non-ASCII text and a causation id travel too. */
export function makeEnvelope(type: string, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return anEnvelope(type, {
    causationId: randomUUID(),
    payload: { amount: 1250, currency: 'CNY', note: 'héllo ✓', items: [1, 2, 3] },
    ...overrides,
  });
}

export const connectTransport = (overrides: Partial<AmqpTransportOptions> = {}): Promise<AmqpTransport> =>
  AmqpTransport.connect({
    url: AMQP_URL,
    connectionName: 'messaging-amqp-test',
    confirmTimeoutMs: 2_000,
    reconnectDelayMs: { initial: 100, max: 1_000 },
    logger: testLogger(),
    ...overrides,
  });

export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

const run = promisify(execFile);

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

export async function stopBroker(): Promise<void> {
  await rabbitmqctl('stop_app');
}

export async function startBroker(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

/** Ready and unacknowledged counts as the broker reports them. */
export async function queueCounts(queue: string): Promise<{ ready: number; unacked: number }> {
  const out = await rabbitmqctl('list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged');
  for (const line of out.split('\n')) {
    const [name, ready, unacked] = line.trim().split(/\s+/);
    if (name === queue) return { ready: Number(ready), unacked: Number(unacked) };
  }
  throw new Error(`queue ${queue} not found`);
}

/** A plain amqplib connection for looking at queues from the outside. */
export class BrokerProbe {
  private constructor(
    private readonly model: ChannelModel,
    readonly channel: ConfirmChannel,
  ) {}

  static async open(): Promise<BrokerProbe> {
    const model = await connect(AMQP_URL);
    model.on('error', () => {});
    const channel = await model.createConfirmChannel();
    return new BrokerProbe(model, channel);
  }

  /** A channel for calls that may close it (checkQueue on a missing queue). */
  async scratchChannel(): Promise<Channel> {
    const channel = await this.model.createChannel();
    channel.on('error', () => {});
    return channel;
  }

  /** Ready messages, straight from the queue (no statistics lag). */
  async readyCount(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  async publishRaw(exchange: string, routingKey: string, body: Buffer, options: Parameters<ConfirmChannel['publish']>[3]): Promise<void> {
    this.channel.publish(exchange, routingKey, body, options);
    await this.channel.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => {});
  }
}

/** Closes, from the broker's side, the connection the client named `connectionName`. */
export async function closeConnectionNamed(connectionName: string): Promise<void> {
  const out = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties');
  const line = out.split('\n').find((candidate) => candidate.includes(`{"connection_name","${connectionName}"}`));
  if (!line) throw new Error(`no connection named ${connectionName}`);
  await rabbitmqctl('close_connection', line.split('\t')[0]!.trim(), 'closed by a test');
}

/**
 * What every AMQP spec sets up: one `BrokerProbe` for the file, and services named for the file whose
 * queues (main, retry, DLQ, observers: every `<service>.*`) are deleted afterwards. Call it at the
 * top of a `describe`; hooks registered after it run inside it (vitest runs `afterAll` as a stack).
 */
export function useBroker(): { readonly probe: BrokerProbe; newService(): string } {
  let probe: BrokerProbe | undefined;
  const services: string[] = [];
  beforeAll(async () => {
    probe = await BrokerProbe.open();
  });
  afterAll(async () => {
    for (const service of services) await deleteQueuesOf(service);
    await probe?.close();
  });
  return {
    get probe(): BrokerProbe {
      if (!probe) throw new Error('the broker probe opens in beforeAll');
      return probe;
    },
    newService(): string {
      const service = uniqueService();
      services.push(service);
      return service;
    },
  };
}
