import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { EventSchemaRegistry, type EventContract } from '@shop/contracts';
import { AmqpTransport, messagingMigrations, queueNameOf, type Subscription } from '@shop/messaging';
import { TransactionHost, databaseNameOf, openDataSource } from '@shop/persistence';
import { TEST_AMQP_URL, TEST_POSTGRES_URL, deleteQueuesOf, dropDatabase } from '@shop/testing';
import { orderPlacedContract, type BenchOrderPlaced } from './order-placed.js';

/** What both runs share: one service's database, its quorum queue bound to the event type, the broker. */
export interface BenchEnv {
  readonly service: string;
  readonly contract: EventContract<BenchOrderPlaced>;
  readonly registry: EventSchemaRegistry;
  readonly transactions: TransactionHost;
  readonly transport: AmqpTransport;
  /** A plain amqplib connection: the baseline publishes on it, and it inspects the queue. */
  readonly broker: ChannelModel;
  /** The service's queue subscription, without a handler. */
  readonly subscription: Omit<Subscription, 'handle'>;
  queueDepth(): Promise<number>;
  purgeQueue(): Promise<void>;
  close(): Promise<void>;
}

export async function openBenchEnv(): Promise<BenchEnv> {
  const run = randomBytes(4).toString('hex');
  const service = `bench_${run}`;
  const contract = orderPlacedContract(run);
  const subscription = { service, eventTypes: [contract.type], prefetch: 100, retry: { delaysMs: [1_000] } };
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
  };
  try {
    cleanups.push(() => dropDatabase(databaseNameOf(service), TEST_POSTGRES_URL));
    const dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, entities: [], migrations: messagingMigrations, poolSize: 10 });
    cleanups.push(() => dataSource.destroy());
    cleanups.push(() => deleteQueuesOf(service, TEST_AMQP_URL));
    const transport = await AmqpTransport.connect({ url: TEST_AMQP_URL, connectionName: service, confirmTimeoutMs: 30_000 });
    cleanups.push(() => transport.close());
    // The transport declares the service's topology (durable quorum queue bound to the type, DLQ,
    // retry queue) when it starts consuming; nothing consumes from it while throughput is measured.
    await (await transport.consume({ ...subscription, handle: async () => {} })).cancel();
    // The same socket options as the transport's connections.
    const broker = await amqp.connect(TEST_AMQP_URL, { noDelay: true, clientProperties: { connection_name: `${service}.baseline` } });
    cleanups.push(() => broker.close());
    const admin = await broker.createChannel();
    const queue = queueNameOf(service);
    return {
      service,
      contract,
      registry: new EventSchemaRegistry([contract]),
      transactions: new TransactionHost(dataSource),
      transport,
      broker,
      subscription,
      queueDepth: async () => (await admin.checkQueue(queue)).messageCount,
      purgeQueue: async () => void (await admin.purgeQueue(queue)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
