import pg from 'pg';

/** What the tables of one schema must hold after the runs that wrote to it. */
export interface Expected {
  readonly users: number;
  readonly orders: number;
  /** Each account's available points: the bonus − what its orders spent + what their payments earned. */
  readonly available: ReadonlyMap<string, number>;
}

/**
 * The check after the runs, on the tables of `schema` (the service's, or the baseline's copy): every
 * account's balance is its ledger's sums (available, frozen, lifetime earned, debt), none negative,
 * nothing left frozen, no debt, each account's available points what its orders make it; exactly one
 * BONUS per user, one FREEZE, SPEND and EARN per order and no other kind; every order PAID. Returns the
 * problems found (none: the runs are sound).
 */
export async function checkLedger(databaseUrl: string, schema: string, expected: Expected): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const problems: string[] = [];
    const { rows: disagreeing } = await client.query<{ user_id: string; stored: string; ledger: string }>(`
      WITH sums AS (
        SELECT user_id, SUM(delta_available) AS available, SUM(delta_frozen) AS frozen, SUM(delta_earned) AS earned, SUM(delta_debt) AS debt
          FROM points_ledger GROUP BY user_id)
      SELECT COALESCE(a.user_id, s.user_id) AS user_id,
             concat_ws('/', a.available, a.frozen, a.lifetime_earned, a.debt) AS stored,
             concat_ws('/', s.available, s.frozen, s.earned, s.debt) AS ledger
        FROM points_account a FULL JOIN sums s ON s.user_id = a.user_id
       WHERE a.user_id IS NULL OR s.user_id IS NULL
          OR a.available <> s.available OR a.frozen <> s.frozen OR a.lifetime_earned <> s.earned OR a.debt <> s.debt
       LIMIT 5`);
    for (const row of disagreeing)
      problems.push(`account ${row.user_id}: stored ${row.stored || 'none'} ≠ ledger ${row.ledger || 'none'} (available/frozen/earned/debt)`);

    const { rows: accounts } = await client.query<{ user_id: string; available: string; frozen: string; debt: string }>(
      'SELECT user_id, available, frozen, debt FROM points_account',
    );
    const bad = (what: string, count: number) => count > 0 && problems.push(`${count} accounts ${what}`);
    bad('with negative available points', accounts.filter((a) => Number(a.available) < 0).length);
    bad('with points still frozen', accounts.filter((a) => Number(a.frozen) !== 0).length);
    bad('in debt', accounts.filter((a) => Number(a.debt) !== 0).length);
    const wrong = accounts.filter((a) => expected.available.get(a.user_id) !== Number(a.available));
    bad('whose available points are not the bonus − spent + earned of their orders', wrong.length);
    if (accounts.length !== expected.users) problems.push(`${accounts.length} accounts, expected ${expected.users}`);

    const { rows: kinds } = await client.query<{ kind: string; n: number }>('SELECT kind, COUNT(*)::int AS n FROM points_ledger GROUP BY kind');
    const count = new Map(kinds.map((row) => [row.kind, row.n]));
    const expectedKinds: Record<string, number> = { BONUS: expected.users, FREEZE: expected.orders, SPEND: expected.orders, EARN: expected.orders };
    for (const kind of new Set([...Object.keys(expectedKinds), ...count.keys()]))
      if ((count.get(kind) ?? 0) !== (expectedKinds[kind] ?? 0)) problems.push(`${count.get(kind) ?? 0} ${kind} entries, expected ${expectedKinds[kind] ?? 0}`);

    const { rows: statuses } = await client.query<{ status: string; n: number }>('SELECT status, COUNT(*)::int AS n FROM points_order GROUP BY status');
    for (const { status, n } of statuses) if (status !== 'PAID') problems.push(`${n} orders ${status}`);
    const paid = statuses.find((row) => row.status === 'PAID')?.n ?? 0;
    if (paid !== expected.orders) problems.push(`${paid} orders PAID, expected ${expected.orders}`);
    return problems;
  } finally {
    await client.end();
  }
}
