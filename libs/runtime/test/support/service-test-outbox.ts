import { EventSchemaRegistry, publishedLanguage } from '@shop/contracts';
import { OutboxSignal, OutboxWriter, defaultRelayOptions } from '@shop/messaging';
import type { TransactionHost } from '@shop/persistence';

/**
 * A service's outbox on a test database, as MessagingModule wires it: events checked against the
 * published language when written, stamped with `source` (the service's name), spread over the relay's
 * default partitions. For repository and use-case tests that run the real adapters without the service;
 * `maxPayloadBytes` to make it refuse what the service's would take.
 */
export function serviceTestOutbox(source: string, transactions: TransactionHost, options: { maxPayloadBytes?: number } = {}): OutboxWriter {
  return new OutboxWriter(transactions, new EventSchemaRegistry(publishedLanguage), new OutboxSignal(), {
    source,
    partitions: defaultRelayOptions.partitions,
    ...options,
  });
}
