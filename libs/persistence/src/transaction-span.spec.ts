// The transaction span on SQLite with the real tracing SDK: made only inside a trace, around the
// transaction's work (whose spans are its children), never when tracing is off.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import { recordSpans, type RecordedSpans } from '@shop/observability/testing';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDataSource } from './data-source.factory.js';
import { TransactionHost } from './transaction-host.js';

class CreateCounter1700000000000 implements MigrationInterface {
  name = 'CreateCounter1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE counter`);
  }
}

describe('TransactionHost spans', () => {
  let host: TransactionHost;
  let recorded: RecordedSpans | undefined;
  beforeEach(async () => {
    host = new TransactionHost(await openDataSource({ service: 'coupon', sqliteDir: ':memory:', entities: [], migrations: [CreateCounter1700000000000] }));
  });
  afterEach(async () => {
    await recorded?.stop();
    recorded = undefined;
    await host.dataSource.destroy();
  });

  const insert = (id: number) => host.manager.query(`INSERT INTO counter (id, value) VALUES (?, 0)`, [id]);
  const inRequest = <T>(work: () => Promise<T>) =>
    trace.getTracer('spec').startActiveSpan('POST /coupons', async (span) => {
      try {
        return await work();
      } finally {
        span.end();
      }
    });

  it('inside a trace: one INTERNAL db.transaction span, child of the active span, parent of the work inside it; a joined run makes none', async () => {
    recorded = recordSpans('shop');
    await inRequest(() =>
      host.run(async () => {
        await insert(1);
        await host.run(() => insert(2));
        trace.getTracer('spec').startSpan('use case').end();
      }),
    );
    const transaction = recorded.span('db.transaction');
    expect(transaction.kind).toBe(SpanKind.INTERNAL);
    expect(transaction.instrumentationScope.name).toBe('@shop/persistence');
    // The host's own attributes only: whoever builds the host (MessagingModule) gives the service and the correlation id.
    expect(transaction.attributes).toEqual({ 'db.system.name': 'sqlite' });
    expect(transaction.parentSpanContext?.spanId).toBe(recorded.span('POST /coupons').spanContext().spanId);
    expect(recorded.childrenOf(transaction).map((span) => span.name)).toEqual(['use case']);
  });

  it('marks a failed transaction ERROR with the error type, never its message', async () => {
    recorded = recordSpans('shop');
    await expect(inRequest(() => host.run(() => Promise.reject(new RangeError('value 42 of jane@example.com'))))).rejects.toThrow(RangeError);
    const transaction = recorded.span('db.transaction');
    expect(transaction.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(transaction.attributes['error.type']).toBe('RangeError');
  });

  it('takes the attributes the host was given (the service and the correlation id, from whoever knows them)', async () => {
    recorded = recordSpans('shop');
    const withAttributes = new TransactionHost(host.dataSource, { spanAttributes: () => ({ 'shop.service': 'coupon', 'shop.correlation_id': 'c-7' }) });
    await inRequest(() => withAttributes.run(() => insert(3)));
    expect(recorded.span('db.transaction').attributes).toMatchObject({ 'shop.service': 'coupon', 'shop.correlation_id': 'c-7' });
  });

  it('outside a trace (the relay polling, housekeeping): no span', async () => {
    recorded = recordSpans('shop');
    await host.run(() => insert(4));
    expect(recorded.spans).toEqual([]);
  });

  it('tracing off: the work runs as before and no tracer is even asked for, inside what would be a trace', async () => {
    const getTracer = vi.spyOn(trace, 'getTracer');
    const parent = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }));
    expect(await context.with(parent, () => host.run(async () => (await insert(5), 'done')))).toBe('done');
    expect(getTracer).not.toHaveBeenCalled();
    getTracer.mockRestore();
  });
});
