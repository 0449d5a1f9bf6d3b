/**
 * The metric names a PromQL expression reads, without a PromQL parser: what is left once strings,
 * comments, label matchers, ranges, grouping clauses (`by`, `without`, `on`, `ignoring`, `group_left`,
 * `group_right` with their label lists) and Grafana's variables are taken out, and function and
 * aggregation names (an identifier followed by `(`) and the operators' keywords are skipped.
 * `{__name__="x"}` names x too. Enough for the expressions of docker/observability; a construct it
 * does not know shows up as a name that no service exports, so the spec fails rather than passes.
 */
export function metricNamesOf(expression: string): string[] {
  const names = new Set<string>();
  let rest = expression
    // Grafana's variables: ${var}, ${var:format}, [[var]], $var, $__rate_interval.
    .replace(/\$\{[^}]*\}|\[\[[^\]]*\]\]|\$\w+/g, ' ')
    .replace(/#[^\n]*/g, ' ');
  // Label matchers first (their strings included), so that `__name__` is read before strings go.
  rest = rest.replace(/\{((?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|[^}"'`])*)\}/g, (_match, matchers: string) => {
    const named = /__name__\s*=\s*["'`]([a-zA-Z_:][a-zA-Z0-9_:]*)["'`]/.exec(matchers);
    if (named) names.add(named[1]!);
    return ' ';
  });
  rest = rest
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    // Ranges and subqueries: [5m], [1h:30s].
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    // `offset 5m`, `@ 1609746000` (the `@ start()` form leaves a function name, skipped below).
    .replace(/\boffset\s+-?[0-9a-z.]+/gi, ' ')
    .replace(/@\s*[0-9.]+/g, ' ');
  const identifier = /(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  for (let match = identifier.exec(rest); match; match = identifier.exec(rest)) {
    const name = match[0];
    const after = rest.slice(match.index + name.length);
    if (/^\s*\(/.test(after)) continue;
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'inf', 'nan']);

/**
 * The series names a Prometheus text exposition offers, from its `# TYPE` lines (present even for a
 * metric with no sample yet): a histogram's `_bucket`, `_sum` and `_count`, a summary's `_sum` and
 * `_count` besides its own name.
 */
export function exposedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}
