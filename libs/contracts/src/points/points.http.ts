import Type, { type Static } from 'typebox';
import type { HttpRouteDefinition } from '../http-route.js';
import { PAGED_HEADERS, PAGED_SUMMARY, badListQuery, pagedListQuery } from '../paging.js';

/**
 * The points routes of the HTTP contract (DESIGN.md section 7): the bodies the points service answers
 * with and the gateway documents (each `title` names its OpenAPI component), and the route table.
 * Points are integers (1 point = 1 fen at checkout); instants are ISO date-times.
 */

const instant = () => Type.String({ format: 'date-time' });
const count = () => Type.Integer({ minimum: 0 });

/** The kinds of ledger entry, each with its own business key so that nothing applies twice. */
export const LEDGER_ENTRY_KINDS = ['BONUS', 'EARN', 'FREEZE', 'RELEASE', 'SPEND', 'REFUND', 'CLAWBACK', 'DEBT', 'DEBT_SETTLED'] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/** What a user holds: `available` to spend, `frozen` for orders under way, `debt` earned points a refund could not claw back. */
export const PointsBalance = Type.Object({ available: count(), frozen: count(), lifetimeEarned: count(), debt: count() }, { title: 'PointsBalance' });
export type PointsBalance = Static<typeof PointsBalance>;

/** One ledger entry: each delta is its change to that part of the balance, each `…After` that part once it applied. */
export const PointsLedgerEntry = Type.Object(
  {
    entryId: Type.String(),
    kind: Type.Enum(LEDGER_ENTRY_KINDS),
    /** The change to `available`. */
    delta: Type.Integer(),
    frozenDelta: Type.Integer(),
    debtDelta: Type.Integer(),
    availableAfter: count(),
    frozenAfter: count(),
    debtAfter: count(),
    /** The order the entry belongs to; null for the sign-up bonus. */
    orderId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    createdAt: instant(),
  },
  { title: 'PointsLedgerEntry' },
);
export type PointsLedgerEntry = Static<typeof PointsLedgerEntry>;

export const PointsLedgerPage = Type.Array(PointsLedgerEntry, { title: 'PointsLedgerPage' });
export type PointsLedgerPage = Static<typeof PointsLedgerPage>;

/** The most entries one `GET /me/points/ledger` lists, and how many when `limit` is not given. */
export const POINTS_LEDGER_LIMIT = { max: 200, default: 50 } as const;

/** `limit` 1 to 200; `cursor` (up to 64 characters) the opaque `Next-Cursor` of the page before. */
export const PointsLedgerQuery = pagedListQuery('PointsLedgerQuery', POINTS_LEDGER_LIMIT, 64);
export type PointsLedgerQuery = Static<typeof PointsLedgerQuery>;

/** The points service's routes, by a name for its own code. */
export const POINTS_ROUTES = {
  getMyPoints: {
    operationId: 'getMyPoints',
    method: 'GET',
    path: '/me/points',
    access: 'user',
    tag: 'points',
    summary: "The signed-in user's points: available, frozen for orders under way, earned in all, and any debt",
    responses: {
      200: { description: 'The balance (zeros for a user without points yet)', schema: PointsBalance },
    },
  },
  listMyPointsLedger: {
    operationId: 'listMyPointsLedger',
    method: 'GET',
    path: '/me/points/ledger',
    access: 'user',
    tag: 'points',
    summary: `The signed-in user's points ledger, newest first, ${PAGED_SUMMARY}`,
    query: PointsLedgerQuery,
    responses: {
      200: { description: 'A page of entries, newest first', schema: PointsLedgerPage, headers: PAGED_HEADERS },
      400: badListQuery(POINTS_LEDGER_LIMIT),
    },
  },
} as const satisfies Record<string, HttpRouteDefinition>;
