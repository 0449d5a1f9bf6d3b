import { DATA_SOURCE, TRANSPORT, type Transport } from '@shop/messaging';
import type { InjectedHealthCheck } from './operations.module.js';

interface Queryable {
  query(sql: string): Promise<unknown>;
}

/** The readiness of a service wired with `MessagingModule`: its database answers and its broker connection is up. */
export const messagingHealthChecks = {
  database: { inject: [DATA_SOURCE], check: (dataSource: Queryable) => dataSource.query('SELECT 1') },
  broker: { inject: [TRANSPORT], check: (transport: Transport) => transport.isReady() },
} satisfies Record<string, InjectedHealthCheck>;
