import { POINTS_ROUTES, pointsContext, type PointsLedgerEntry } from '@shop/contracts';
import { servedRoutes } from '@shop/http';
import { capturingReply, documentedCodes } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { pointsHttpControllers } from '../points.controllers.js';
import { MyPointsController } from './my-points.controller.js';
import { pointsErrorStatuses } from './points.error-statuses.js';

const anEntry = (n: number): PointsLedgerEntry => ({
  entryId: `EARN:order-${n}`,
  kind: 'EARN',
  delta: 1,
  frozenDelta: 0,
  debtDelta: 0,
  availableAfter: n,
  frozenAfter: 0,
  debtAfter: 0,
  orderId: null,
  createdAt: new Date(0).toISOString(),
});

/** The ledger route's controller over a use case that answers `page` and records what it was asked. */
function ledgerControllerAnswering(page: { entries: PointsLedgerEntry[]; nextCursor: string | null }) {
  const queries: unknown[] = [];
  const listMyLedger = { execute: async (query: unknown) => (queries.push(query), page) };
  return { controller: new MyPointsController({} as never, listMyLedger as never), queries };
}

const identity = { userId: crypto.randomUUID(), roles: ['customer'] };

describe('the points HTTP contract', () => {
  it('is served route for route, each with the access the contract declares', () => {
    const declared = pointsContext.routes.map((route) => ({ route: `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`, access: route.access }));
    const byRoute = (a: { route: string }, b: { route: string }) => a.route.localeCompare(b.route);
    expect(
      servedRoutes(pointsHttpControllers)
        .map(({ route, access }) => ({ route, access }))
        .sort(byRoute),
    ).toEqual(declared.sort(byRoute));
  });

  it('honours Idempotency-Key on no route (both only read)', () => {
    expect(servedRoutes(pointsHttpControllers).filter((route) => route.idempotent)).toEqual([]);
    expect(pointsContext.routes.filter((route) => route.summary.includes('honours `Idempotency-Key`'))).toEqual([]);
  });

  it('gives every problem code a route documents a status, and that status', () => {
    const ours = documentedCodes(POINTS_ROUTES).filter(({ code }) => code in pointsErrorStatuses);
    expect(ours).toEqual([{ code: 'INVALID_CURSOR', status: 400 }]);
    for (const { code, status } of ours) expect({ code, status: pointsErrorStatuses[code] }).toEqual({ code, status });
  });

  it('maps only codes a route documents (no status for errors that only message handlers raise)', () => {
    const documented = new Set(documentedCodes(POINTS_ROUTES).map(({ code }) => code));
    expect(Object.keys(pointsErrorStatuses).filter((code) => !documented.has(code))).toEqual([]);
  });

  describe('the ledger’s paging headers', () => {
    const documentedHeaders = Object.keys(POINTS_ROUTES.listMyPointsLedger.responses[200].headers).sort();

    it('are exactly those the route documents, with a relative Link keeping the page size asked for', async () => {
      const { controller, queries } = ledgerControllerAnswering({ entries: [anEntry(2), anEntry(1)], nextCursor: 'MTI' });
      const { reply, headers } = capturingReply();

      const body = await controller.ledger({ limit: '2', cursor: 'MTQ' }, identity, reply as never);

      expect(body).toEqual([anEntry(2), anEntry(1)]);
      expect(queries).toEqual([{ userId: identity.userId, cursor: 'MTQ', limit: 2 }]);
      expect(Object.keys(headers).sort()).toEqual(documentedHeaders);
      expect(headers).toEqual({ 'next-cursor': 'MTI', link: '<?cursor=MTI&limit=2>; rel="next"' });
    });

    it('name the default page size when none was asked for, and pass no limit or cursor the client did not give', async () => {
      const { controller, queries } = ledgerControllerAnswering({ entries: [anEntry(1)], nextCursor: 'MQ' });
      const { reply, headers } = capturingReply();
      await controller.ledger({}, identity, reply as never);
      expect(queries).toEqual([{ userId: identity.userId }]);
      expect(headers['link']).toBe('<?cursor=MQ&limit=50>; rel="next"');
    });

    it('are absent on the last page', async () => {
      const { controller } = ledgerControllerAnswering({ entries: [anEntry(1)], nextCursor: null });
      const { reply, headers } = capturingReply();
      expect(await controller.ledger({ limit: '5' }, identity, reply as never)).toEqual([anEntry(1)]);
      expect(headers).toEqual({});
    });
  });
});
