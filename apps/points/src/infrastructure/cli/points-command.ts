import { parseArgs } from 'node:util';
import { TransactionHost, openExistingServiceDatabase } from '@shop/persistence';
import type { DataSource } from 'typeorm';
import {
  RECONCILE_PAGE_SIZE_MAX,
  ReconcilePointsBalancesHandler,
} from '../../application/commands/reconcile-points-balances/reconcile-points-balances.handler.js';
import type { Balance, BalanceMismatch } from '../../application/ports/points-reconciliation.js';
import { SqlPointsReconciliation } from '../persistence/sql-points-reconciliation.js';
import { DEFAULT_POINTS_RECONCILE_PAGE_SIZE } from '../points.config.js';

export const POINTS_USAGE = `Usage: npm run points -- <command> [options]

Commands:
  reconcile            recomputes every points balance from the ledger and lists each account whose
                       stored balance differs (read-only: nothing is corrected). Exit code 0: every
                       balance equals its ledger; 1: some differ; 2: bad usage or no database.

Options:
  --postgres-url URL   the PostgreSQL server; the database is shop_points, whatever database the URL
                       names (default: $POINTS_DATABASE_URL, a full URL used as it is, else
                       $POSTGRES_URL). The database must exist: it is never created nor migrated.
  --sqlite-dir DIR     embedded mode: <DIR>/points.sqlite instead, opened read-only (also while the
                       service runs)
  --page-size N        accounts per query (1–${RECONCILE_PAGE_SIZE_MAX}, default ${DEFAULT_POINTS_RECONCILE_PAGE_SIZE})
  --json               one JSON document { checked, mismatches: [{ userId, stored, ledger }] } on stdout
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
    const reconcile = new ReconcilePointsBalancesHandler(new SqlPointsReconciliation(new TransactionHost(dataSource)));
    let result;
    try {
      result = await reconcile.execute({ pageSize });
    } catch (error) {
      // No points tables (another service's database, not migrated yet) or the connection lost: no answer.
      deps.err(`reconcile failed: ${(error as Error).message}`);
      return 2;
    }
    const { checked, mismatches } = result;
    if (parsed.values.json) {
      deps.out(JSON.stringify({ checked, mismatches }, null, 2));
    } else {
      for (const mismatch of mismatches) deps.out(describeMismatch(mismatch));
      deps.out(
        mismatches.length === 0
          ? `checked ${checked} account(s): every balance equals its ledger`
          : `checked ${checked} account(s): ${mismatches.length} balance(s) differ from the ledger`,
      );
    }
    return mismatches.length === 0 ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

const balance = (b: Balance): string => `available=${b.available} frozen=${b.frozen} lifetimeEarned=${b.lifetimeEarned} debt=${b.debt}`;

/** `<userId>  stored: …  ledger: …  (differs: available, …)`, one line per account. */
function describeMismatch({ userId, stored, ledger }: BalanceMismatch): string {
  const differs = (['available', 'frozen', 'lifetimeEarned', 'debt'] as const).filter((part) => stored[part] !== ledger[part]);
  return `${userId}\tstored: ${balance(stored)}\tledger: ${balance(ledger)}\t(differs: ${differs.join(', ')})`;
}
