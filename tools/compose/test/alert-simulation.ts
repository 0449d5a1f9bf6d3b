import { durationSeconds, evaluate, type Series } from './promql.js';

/**
 * An alert rule run against simulated time, as Prometheus would run it: the apps' values reach it only
 * through scrapes (each sample is the app's value at the scrape), the rule is evaluated on its own
 * schedule against the newest samples, and it fires once its expression has held at every evaluation
 * for its `for`.
 */

/** What the app reports at a moment: its value, or undefined while it has no such series. */
export type Reported = (at: number) => number | undefined;

/** The samples Prometheus keeps of a value when it scrapes at `scrapes` (unix seconds, ascending). */
export function scraped(reported: Reported, scrapes: readonly number[], labels?: Readonly<Record<string, string>>): Series {
  const samples: Array<readonly [number, number]> = [];
  for (const at of scrapes) {
    const value = reported(at);
    if (value !== undefined) samples.push([at, value]);
  }
  return { ...(labels ? { labels } : {}), samples };
}

/** `from`, `from + every`, … up to `until`. */
export function ticks(from: number, every: number, until: number): number[] {
  const times: number[] = [];
  for (let at = from; at <= until; at += every) times.push(at);
  return times;
}

export interface AlertingRule {
  readonly expr: string;
  readonly for: string;
}

/** The evaluations (of `evaluations`) at which the rule's alert is firing: its expression non-empty there and at every evaluation of the `for` before. */
export function firingAt(rule: AlertingRule, evaluations: readonly number[], series: Readonly<Record<string, Series>>): number[] {
  const forSeconds = durationSeconds(rule.for);
  const firing: number[] = [];
  let activeSince: number | undefined;
  for (const at of evaluations) {
    if (evaluate(rule.expr, at, series) === undefined) {
      activeSince = undefined;
      continue;
    }
    activeSince ??= at;
    if (at - activeSince >= forSeconds) firing.push(at);
  }
  return firing;
}
