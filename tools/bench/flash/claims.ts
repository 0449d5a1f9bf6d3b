/** What came back from one claim attempt: a coupon, the sold-out refusal, or anything else (which fails the bench). */
export type ClaimOutcome = 'issued' | 'sold_out' | `other ${string}`;

/** A run of claim attempts, one per user: each attempt's latency and outcome (same index), and the run's wall time. */
export interface ClaimRun {
  /** From the first attempt sent to the last answer received. */
  readonly elapsedMs: number;
  /** When each attempt was sent, in ms from the run's start. */
  readonly sentAtMs: readonly number[];
  readonly latenciesMs: readonly number[];
  readonly outcomes: readonly ClaimOutcome[];
}

/**
 * The claim loop of both sides of the bench: `count` attempts, at most `concurrency` in flight (each
 * worker takes the next attempt as soon as its own is answered), each attempt's send time, latency
 * and outcome recorded at its index.
 */
export async function runClaims(count: number, concurrency: number, attempt: (index: number) => Promise<ClaimOutcome>): Promise<ClaimRun> {
  const sentAtMs = new Array<number>(count);
  const latenciesMs = new Array<number>(count);
  const outcomes = new Array<ClaimOutcome>(count);
  let next = 0;
  let started = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const sent = performance.now();
      outcomes[index] = await attempt(index);
      latenciesMs[index] = performance.now() - sent;
      sentAtMs[index] = sent - started;
    }
  };
  started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { elapsedMs: performance.now() - started, sentAtMs, latenciesMs, outcomes };
}

export interface ClaimSummary {
  readonly attempts: number;
  readonly elapsedMs: number;
  /** Attempts (issued, sold out or anything else) per second of the whole run: the attempts ÷ its wall time. */
  readonly claimsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Percentiles of the attempts that got a coupon, and of those refused as sold out. */
  readonly issuedP99Ms: number | undefined;
  readonly soldOutP50Ms: number | undefined;
  readonly soldOutP99Ms: number | undefined;
  /** When the last coupon was handed out (its answer received), in ms from the run's start; undefined with none issued. */
  readonly lastIssuedAtMs: number | undefined;
  /** The attempts answered after that: the sold-out phase. */
  readonly answeredAfterLastIssued: number;
  readonly counts: Readonly<Record<string, number>>;
}

/** The nearest-rank percentile of an ascending list. */
export const percentile = (sorted: readonly number[], p: number): number | undefined =>
  sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export function summarize(run: ClaimRun): ClaimSummary {
  const ascending = (values: number[]) => values.sort((a, b) => a - b);
  const all = ascending([...run.latenciesMs]);
  const of = (outcome: ClaimOutcome) => ascending(run.latenciesMs.filter((_, index) => run.outcomes[index] === outcome));
  const issued = of('issued');
  const soldOut = of('sold_out');
  let lastIssuedAtMs: number | undefined;
  run.outcomes.forEach((outcome, index) => {
    if (outcome === 'issued') lastIssuedAtMs = Math.max(lastIssuedAtMs ?? 0, run.sentAtMs[index]! + run.latenciesMs[index]!);
  });
  const counts: Record<string, number> = {};
  for (const outcome of run.outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return {
    attempts: run.outcomes.length,
    elapsedMs: run.elapsedMs,
    claimsPerSecond: run.outcomes.length / (run.elapsedMs / 1000),
    p50Ms: percentile(all, 50) ?? 0,
    p99Ms: percentile(all, 99) ?? 0,
    issuedP99Ms: percentile(issued, 99),
    soldOutP50Ms: percentile(soldOut, 50),
    soldOutP99Ms: percentile(soldOut, 99),
    lastIssuedAtMs,
    answeredAfterLastIssued: run.outcomes.filter((_, index) => run.sentAtMs[index]! + run.latenciesMs[index]! > (lastIssuedAtMs ?? 0)).length,
    counts,
  };
}

/** What a run must show: `stock` coupons issued (fewer users: one each), every other attempt refused as sold out, nothing else. */
export function unexpectedOutcomes(summary: ClaimSummary, stock: number): string[] {
  const issued = Math.min(stock, summary.attempts);
  const problems: string[] = [];
  if ((summary.counts['issued'] ?? 0) !== issued) problems.push(`${summary.counts['issued'] ?? 0} issued, expected ${issued}`);
  if ((summary.counts['sold_out'] ?? 0) !== summary.attempts - issued)
    problems.push(`${summary.counts['sold_out'] ?? 0} sold out, expected ${summary.attempts - issued}`);
  for (const [outcome, count] of Object.entries(summary.counts)) if (outcome !== 'issued' && outcome !== 'sold_out') problems.push(`${count} × ${outcome}`);
  return problems;
}
