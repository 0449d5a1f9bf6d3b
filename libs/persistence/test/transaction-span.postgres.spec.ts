// On a real PostgreSQL, with the real tracing SDK and its pg instrumentation (registered by startTracing
// after this ESM module graph has already imported pg; TypeORM requires pg when the data source is made):
// each statement of a transaction is a pg span, child of the transaction's span.
import { trace } from '@opentelemetry/api';
import { recordSpans, type ReadableSpan, type RecordedSpans } from '@shop/observability/testing';
import { TEST_POSTGRES_URL, dropDatabase, uniqueServiceName } from '@shop/testing';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { TransactionHost, databaseNameOf, openDataSource } from '../src/index.js';

const PG_SCOPE = '@opentelemetry/instrumentation-pg';
const statementOf = (span: ReadableSpan) => String(span.attributes['db.query.text'] ?? span.attributes['db.statement'] ?? '');

describe('pg query spans inside a transaction span, on PostgreSQL', () => {
  let dataSource: DataSource | undefined;
  let recorded: RecordedSpans | undefined;
  let service = '';
  afterEach(async () => {
    await recorded?.stop();
    recorded = undefined;
    await dataSource?.destroy().catch(() => undefined);
    dataSource = undefined;
    await dropDatabase(databaseNameOf(service));
  });

  it('makes a pg span per statement (BEGIN, the query, COMMIT), each a child of db.transaction; none outside a trace', async () => {
    recorded = recordSpans('points');
    service = uniqueServiceName('txspan');
    dataSource = await openDataSource({ service, postgresUrl: TEST_POSTGRES_URL, poolSize: 2, entities: [], migrations: [] });
    const host = new TransactionHost(dataSource, { spanAttributes: () => ({ 'shop.service': service }) });
    recorded.clear(); // the migration's and the pool's own statements ran outside any trace anyway

    await host.manager.query(`SELECT 41 AS outside`);
    expect(recorded.spans).toEqual([]);

    await trace.getTracer('spec').startActiveSpan('POST /points', async (request) => {
      await host.run(() => host.manager.query(`SELECT 42 AS inside`));
      request.end();
    });
    const transaction = recorded.span('db.transaction');
    expect(transaction.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'shop.service': service });
    const statements = recorded.childrenOf(transaction);
    expect(statements.every((span) => span.instrumentationScope.name === PG_SCOPE)).toBe(true);
    expect(statements.map(statementOf)).toEqual(['START TRANSACTION', 'SELECT 42 AS inside', 'COMMIT']);
    expect(recorded.spans.filter((span) => span.instrumentationScope.name === PG_SCOPE)).toHaveLength(statements.length);
  });
});
