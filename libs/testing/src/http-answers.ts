/** The body of an answer of `status` (200 unless said) as `T`; throws naming the status and body of any other answer. */
export async function json<T>(response: Response, status = 200): Promise<T> {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Expects a problem+json answer (RFC 9457) of `status` whose body says the same status and the problem
 * `code`; throws naming what came instead.
 */
export async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  if (!contentType.startsWith('application/problem+json'))
    throw new Error(`expected a problem+json ${status} ${code}, got ${response.status} '${contentType}': ${text}`);
  const problem = JSON.parse(text) as { status?: unknown; code?: unknown };
  if (response.status !== status || problem.status !== status || problem.code !== code)
    throw new Error(`expected the problem ${status} ${code}, got ${response.status} (body: ${String(problem.status)} ${String(problem.code)}): ${text}`);
}

/** Where rows are counted: a service harness's database (`home.count(table)`). */
export interface RowCounter {
  count(table: string): Promise<number>;
}

/**
 * Runs `act` and expects that it stored nothing: the row count of every one of `tables` is as it was
 * before (a refused request, bad input). Throws naming the tables that changed.
 */
export async function expectNothingStored(database: RowCounter, tables: readonly string[], act: () => Promise<void>): Promise<void> {
  const countAll = async () => Promise.all(tables.map((table) => database.count(table)));
  const before = await countAll();
  await act();
  const after = await countAll();
  const changed = tables.flatMap((table, i) => (before[i] === after[i] ? [] : [`${table} ${before[i]} → ${after[i]}`]));
  if (changed.length > 0) throw new Error(`expected nothing stored, but rows changed: ${changed.join(', ')}`);
}
