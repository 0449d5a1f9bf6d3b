import { describe, expect, it } from 'vitest';
import { expectNothingStored, expectProblem, json } from './http-answers.js';

const problem = (status: number, code: string, contentType = 'application/problem+json') =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'x', status, code }), { status, headers: { 'content-type': contentType } });

describe('json', () => {
  it('is the body of an answer of the expected status (200 unless said)', async () => {
    expect(await json(Response.json({ a: 1 }))).toEqual({ a: 1 });
    expect(await json(Response.json({ b: 2 }, { status: 201 }), 201)).toEqual({ b: 2 });
  });

  it('throws naming the status and the body of any other answer', async () => {
    await expect(json(problem(409, 'NOT_PAYABLE'))).rejects.toThrow(/expected 200, got 409: .*NOT_PAYABLE/);
    await expect(json(Response.json({}), 201)).rejects.toThrow('expected 201, got 200');
  });
});

describe('expectProblem', () => {
  it('passes a problem+json answer of the status and code', async () => {
    await expectProblem(problem(409, 'NOT_PAYABLE'), 409, 'NOT_PAYABLE');
    await expectProblem(problem(400, 'VALIDATION_FAILED', 'application/problem+json; charset=utf-8'), 400, 'VALIDATION_FAILED');
  });

  it.each([
    ['another code', problem(409, 'PAYMENT_IN_PROGRESS')],
    ['another status', problem(422, 'NOT_PAYABLE')],
    [
      'a body that says another status',
      new Response(JSON.stringify({ status: 400, code: 'NOT_PAYABLE' }), { status: 409, headers: { 'content-type': 'application/problem+json' } }),
    ],
    ['plain JSON with the same fields', problem(409, 'NOT_PAYABLE', 'application/json')],
    ['a success', Response.json({ status: 409, code: 'NOT_PAYABLE' }, { status: 201 })],
  ])('fails on %s', async (_, response) => {
    await expect(expectProblem(response, 409, 'NOT_PAYABLE')).rejects.toThrow(/expected (a|the) problem/);
  });
});

describe('expectNothingStored', () => {
  const tables = ['orders', 'outbox'];
  const database = (rows: Record<string, number>) => ({ count: async (table: string) => rows[table] ?? 0 });

  it('passes when every table has the rows it had', async () => {
    const rows = { orders: 2, outbox: 5 };
    let acted = false;
    await expectNothingStored(database(rows), tables, async () => {
      acted = true;
    });
    expect(acted).toBe(true);
  });

  it('fails naming each table whose rows changed, a row added or taken away', async () => {
    const rows = { orders: 2, outbox: 5 };
    await expect(
      expectNothingStored(database(rows), tables, async () => {
        rows.orders++;
        rows.outbox--;
      }),
    ).rejects.toThrow('rows changed: orders 2 → 3, outbox 5 → 4');
  });

  it('lets what the act throws through', async () => {
    await expect(
      expectNothingStored(database({}), tables, async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
  });
});
