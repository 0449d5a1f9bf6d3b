import { parseArgs } from 'node:util';
import { TransactionHost, openExistingServiceDatabase } from '@shop/persistence';
import { systemClock } from '@shop/shared-kernel';
import type { DataSource } from 'typeorm';
import {
  RECONCILE_PAGE_SIZE_MAX,
  ReconcilePointsBalancesHandler,
} from '../../application/commands/reconcile-points-balances/reconcile-points-balances.handler.js';
import type { Balance, BalanceMismatch } from '../../application/ports/points-reconciliation.js';
import { SqlPointsReconciliation } from '../persistence/sql-points-reconciliation.js';
import { DEFAULT_POINTS_RECONCILE_PAGE_SIZE, DEFAULT_POINTS_STUCK_RESERVATION_MS } from '../points.config.js';

export const POINTS_USAGE = `Usage: npm run points -- <command> [options]

Commands:
  reconcile            recomputes every points balance from the ledger and lists each account whose
                       stored balance differs, or whose frozen points differ from what its RESERVED
                       orders hold; then the reservations held longer than --stuck-reservation-ms
                       (read-only: nothing is corrected). Exit code 0: every balance equals its ledger
                       and no reservation is stuck; 1: some differ or are stuck; 2: bad usage or no
                       database.

Options:
  --postgres-url URL   the PostgreSQL server; the database is shop_points, whatever database the URL
                       names (default: $POINTS_DATABASE_URL, a full URL used as it is, else
                       $POSTGRES_URL). The database must exist: it is never created nor migrated.
  --sqlite-dir DIR     embedded mode: <DIR>/points.sqlite instead, opened read-only (also while the
                       service runs)
  --page-size N        accounts per query (1–${RECONCILE_PAGE_SIZE_MAX}, default ${DEFAULT_POINTS_RECONCILE_PAGE_SIZE})
  --stuck-reservation-ms N
                       a reservation RESERVED longer than this is stuck (default
                       $POINTS_STUCK_RESERVATION_MS, else ${DEFAULT_POINTS_STUCK_RESERVATION_MS}: a day)
  --json               one JSON document { checked, mismatches: [{ userId, stored, ledger,
                       reservedForOrders }], stuckReservations: { count, oldest: [{ orderId, userId,
                       points, reservedAt }] } } on stdout
`;

const SERVICE = 'points';

export interface PointsCommandDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
}

/** Runs one command of `npm run points`; answers the process exit code. */
export async function runPointsCommand(argv: readonly string[], deps: PointsCommandDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'postgres-url': { type: 'string' },
        'sqlite-dir': { type: 'string' },
        'page-size': { type: 'string' },
        'stuck-reservation-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    deps.err(`${(error as Error).message}\n\n${POINTS_USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help) {
    deps.out(POINTS_USAGE);
    return 0;
  }
  if (command !== 'reconcile' || rest.length > 0) {
    deps.err(`${command ? `unknown command: '${[command, ...rest].join(' ')}'` : 'no command given'}\n\n${POINTS_USAGE}`);
    return 2;
  }
  const pageSizeText = parsed.values['page-size'] ?? String(DEFAULT_POINTS_RECONCILE_PAGE_SIZE);
  const pageSize = /^\d+$/.test(pageSizeText) ? Number(pageSizeText) : NaN;
  if (!(pageSize >= 1 && pageSize <= RECONCILE_PAGE_SIZE_MAX)) {
    deps.err(`--page-size must be a whole number from 1 to ${RECONCILE_PAGE_SIZE_MAX}, not '${pageSizeText}'`);
    return 2;
  }
  const stuckText = parsed.values['stuck-reservation-ms'] ?? (deps.env['POINTS_STUCK_RESERVATION_MS'] || String(DEFAULT_POINTS_STUCK_RESERVATION_MS));
  const stuckReservationMs = /^\d+$/.test(stuckText) ? Number(stuckText) : NaN;
  if (!(stuckReservationMs >= 1 && Number.isSafeInteger(stuckReservationMs))) {
    deps.err(`--stuck-reservation-ms must be a whole number of milliseconds ≥ 1, not '${stuckText}'`);
    return 2;
  }
  const sqliteDir = parsed.values['sqlite-dir'];
  const postgresUrl = parsed.values['postgres-url'];
  if (sqliteDir !== undefined && postgresUrl !== undefined) {
    deps.err('--postgres-url and --sqlite-dir name two databases: give one');
    return 2;
  }

  let dataSource: DataSource;
  try {
    const opened = await openExistingServiceDatabase(SERVICE, { sqliteDir, postgresUrl }, deps.env, { applicationName: 'shop-points-cli', readOnly: true });
    if (typeof opened === 'string') {
      deps.err(opened);
      return 2;
    }
    dataSource = opened;
  } catch (error) {
    deps.err(`cannot open the points database: ${(error as Error).message}`);
    return 2;
  }
  try {
    const reconcile = new ReconcilePointsBalancesHandler(new SqlPointsReconciliation(new TransactionHost(dataSource)), systemClock);
    let result;
    try {
      result = await reconcile.execute({ pageSize, stuckReservationMs });
    } catch (error) {
      // No points tables (another service's database, not migrated yet) or the connection lost: no answer.
      deps.err(`reconcile failed: ${(error as Error).message}`);
      return 2;
    }
    const { checked, mismatches, stuckReservations } = result;
    if (parsed.values.json) {
      deps.out(JSON.stringify({ checked, mismatches, stuckReservations }, null, 2));
    } else {
      for (const mismatch of mismatches) deps.out(describeMismatch(mismatch));
      deps.out(
        mismatches.length === 0
          ? `checked ${checked} account(s): every balance equals its ledger`
          : `checked ${checked} account(s): ${mismatches.length} balance(s) differ from the ledger`,
      );
      if (stuckReservations.count > 0) {
        for (const stuck of stuckReservations.oldest) {
          deps.out(`stuck reservation\torder ${stuck.orderId}\tuser ${stuck.userId}\tpoints=${stuck.points}\treserved at ${stuck.reservedAt.toISOString()}`);
        }
        deps.out(
          `${stuckReservations.count} reservation(s) held longer than ${stuckReservationMs} ms` +
            (stuckReservations.count > stuckReservations.oldest.length ? ` (the oldest ${stuckReservations.oldest.length} listed)` : ''),
        );
      }
    }
    return mismatches.length === 0 && stuckReservations.count === 0 ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

const balance = (b: Balance): string => `available=${b.available} frozen=${b.frozen} lifetimeEarned=${b.lifetimeEarned} debt=${b.debt}`;

/** `<userId>  stored: …  ledger: …  reservedForOrders=…  (differs: available, …)`, one line per account. */
function describeMismatch({ userId, stored, ledger, reservedForOrders }: BalanceMismatch): string {
  const differs: string[] = (['available', 'frozen', 'lifetimeEarned', 'debt'] as const).filter((part) => stored[part] !== ledger[part]);
  if (ledger.frozen !== reservedForOrders) differs.push('frozen vs reserved orders');
  return `${userId}\tstored: ${balance(stored)}\tledger: ${balance(ledger)}\treservedForOrders=${reservedForOrders}\t(differs: ${differs.join(', ')})`;
}
