// A relay in its own process that announces each confirmed batch and then hangs, so that the test
// can kill it (SIGKILL) between the broker's confirm and the commit that marks the rows sent.
// Runs on the built libraries: `npm run test:integration` builds first.
import { AmqpTransport, MessagingMetrics, OutboxRelay, OutboxSignal, defaultRelayOptions, messagingMigrations } from '@shop/messaging';
import { silentLogger } from '@shop/observability';
import { TransactionHost, openDataSource } from '@shop/persistence';

const [service, postgresUrl, amqpUrl] = process.argv.slice(2);
const dataSource = await openDataSource({ service, postgresUrl, entities: [], migrations: messagingMigrations });
const inner = await AmqpTransport.connect({ url: amqpUrl, connectionName: `${service}-doomed-relay` });
const transport = {
  kind: inner.kind,
  isReady: () => inner.isReady(),
  async publishBatch(envelopes) {
    const outcomes = await inner.publishBatch(envelopes);
    process.send({ confirmed: outcomes.filter((o) => o.ok).length, ids: envelopes.map((e) => e.id) });
    return new Promise(() => undefined); // never marks them sent
  },
};
const relay = new OutboxRelay(new TransactionHost(dataSource), transport, new OutboxSignal(), new MessagingMetrics(), silentLogger(), defaultRelayOptions);
process.send({ ready: true });
await relay.publishPending();
