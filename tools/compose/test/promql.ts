import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/**
 * PromQL for the specs of docker/observability, read with Prometheus's own grammar (the parser its web
 * UI uses): the metric names an expression reads, and a small evaluator that runs an alert rule over
 * simulated scrapes (there is no Prometheus nor promtool here).
 */

/** Grafana's interval variables stand where PromQL wants a duration; any other `$variable` only inside label values. */
const GRAFANA_DURATION = /\$(?:\{__(?:rate_interval|interval|range)\}|__(?:rate_interval|interval|range)\b)/g;

/** The syntax tree of `expression`; throws at the first syntax error, with its position. */
export function parsePromql(expression: string): { readonly text: string; readonly top: SyntaxNode } {
  let parsed = parses.get(expression);
  if (!parsed) parses.set(expression, (parsed = syntaxTreeOf(expression)));
  return parsed;
}

/** Simulations evaluate the same few expressions thousands of times. */
const parses = new Map<string, { readonly text: string; readonly top: SyntaxNode }>();

function syntaxTreeOf(expression: string): { readonly text: string; readonly top: SyntaxNode } {
  const text = expression.replace(GRAFANA_DURATION, '1m');
  const tree = parser.parse(text);
  tree.iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`PromQL syntax error at ${node.from} of: ${expression}`);
    },
  });
  return { text, top: tree.topNode };
}

/** The names of the metrics `expression` selects (`name{…}`, or `{__name__="name"}`), sorted. */
export function metricNamesOf(expression: string): string[] {
  const { text, top } = parsePromql(expression);
  const names = new Set<string>();
  top.cursor().iterate((node) => {
    if (node.name !== 'VectorSelector') return;
    const selector = selectorOf(node.node, text);
    if (selector.name !== undefined) names.add(selector.name);
  });
  return [...names].sort();
}

/** One series as Prometheus holds it: its labels and its scraped samples, `[unix seconds, value]`, oldest first. */
export interface Series {
  readonly labels?: Readonly<Record<string, string>>;
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

/** How far back an instant selector looks for a sample (Prometheus's default `--query.lookback-delta`). */
const LOOKBACK_SECONDS = 300;

/**
 * The value of `expression` at `at` (unix seconds), or undefined for an empty result, with one series per
 * metric name (`series`): an alert rule evaluated for one of its label sets (a job, an upstream), so every
 * aggregation and vector matching is over that one series. Knows the arithmetic and comparison operators,
 * `and`/`or`/`unless`, min/max/sum/avg, `time()`, `clamp_min`, `clamp_max`, `rate` and `increase` (without
 * Prometheus's extrapolation to the range's edges) and label matchers; anything else throws, so a rule
 * written with more fails its spec instead of passing it unread.
 */
export function evaluate(expression: string, at: number, series: Readonly<Record<string, Series>>): number | undefined {
  const { text, top } = parsePromql(expression);
  const result = new Evaluator(text, at, series).value(onlyChild(top));
  return result.value;
}

/** A scalar, or an instant vector of at most one element (value undefined: empty). */
interface Value {
  readonly kind: 'scalar' | 'vector';
  readonly value: number | undefined;
}

const ARITHMETIC: Readonly<Record<string, (left: number, right: number) => number>> = {
  Add: (left, right) => left + right,
  Sub: (left, right) => left - right,
  Mul: (left, right) => left * right,
  Div: (left, right) => left / right,
};
const COMPARISON: Readonly<Record<string, (left: number, right: number) => boolean>> = {
  Gtr: (left, right) => left > right,
  Lss: (left, right) => left < right,
  Gte: (left, right) => left >= right,
  Lte: (left, right) => left <= right,
  Eql: (left, right) => left === right,
  Neq: (left, right) => left !== right,
};
const SINGLE_SERIES_AGGREGATIONS = new Set(['max', 'min', 'sum', 'avg']);

class Evaluator {
  constructor(
    private readonly text: string,
    private readonly at: number,
    private readonly series: Readonly<Record<string, Series>>,
  ) {}

  value(node: SyntaxNode): Value {
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { kind: 'scalar', value: Number(this.source(node)) };
      case 'ParenExpr':
        return this.value(onlyChild(node));
      case 'VectorSelector':
        return { kind: 'vector', value: this.samplesOf(node, LOOKBACK_SECONDS).at(-1)?.[1] };
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'FunctionCall':
        return this.call(node);
      case 'BinaryExpr':
        return this.binary(node);
      default:
        throw new Error(`the rule evaluator does not know ${node.name}: ${this.source(node)}`);
    }
  }

  private aggregate(node: SyntaxNode): Value {
    const operator = this.source(node.getChild('AggregateOp')!);
    if (!SINGLE_SERIES_AGGREGATIONS.has(operator)) throw new Error(`the rule evaluator does not know the aggregation ${operator}`);
    return { kind: 'vector', value: this.value(onlyChild(node.getChild('FunctionCallBody')!)).value };
  }

  private call(node: SyntaxNode): Value {
    const name = this.source(node.getChild('FunctionIdentifier')!);
    const args = childrenOf(node.getChild('FunctionCallBody')!);
    if (name === 'time' && args.length === 0) return { kind: 'scalar', value: this.at };
    if ((name === 'clamp_min' || name === 'clamp_max') && args.length === 2) {
      const [vector, bound] = [this.value(args[0]!), this.value(args[1]!)];
      const clamp = name === 'clamp_min' ? Math.max : Math.min;
      return { kind: 'vector', value: vector.value === undefined ? undefined : clamp(vector.value, bound.value!) };
    }
    if ((name === 'rate' || name === 'increase') && args.length === 1 && args[0]!.name === 'MatrixSelector') {
      const matrix = args[0]!;
      const rangeSeconds = durationSeconds(this.source(matrix.getChild('DurationExpr')!));
      const samples = this.samplesOf(matrix.getChild('VectorSelector')!, rangeSeconds);
      if (samples.length < 2) return { kind: 'vector', value: undefined };
      const [first, last] = [samples[0]!, samples.at(-1)!];
      const perSecond = (last[1] - first[1]) / (last[0] - first[0]);
      return { kind: 'vector', value: name === 'rate' ? perSecond : perSecond * rangeSeconds };
    }
    throw new Error(`the rule evaluator does not know ${this.source(node)}`);
  }

  private binary(node: SyntaxNode): Value {
    const operands = childrenOf(node).filter((child) => !OPERATOR_PARTS.has(child.name) && !(child.name in ARITHMETIC) && !(child.name in COMPARISON));
    const operator = childrenOf(node).find((child) => child.name in ARITHMETIC || child.name in COMPARISON || SET_OPERATORS.has(child.name));
    if (operands.length !== 2 || !operator) throw new Error(`the rule evaluator cannot read ${this.source(node)}`);
    if (node.getChild('BoolModifier')) throw new Error(`the rule evaluator does not know 'bool': ${this.source(node)}`);
    const [left, right] = [this.value(operands[0]!), this.value(operands[1]!)];
    const vector = left.kind === 'vector' || right.kind === 'vector' ? 'vector' : 'scalar';
    switch (operator.name) {
      case 'And':
        return { kind: 'vector', value: right.value === undefined ? undefined : left.value };
      case 'Or':
        return { kind: 'vector', value: left.value ?? right.value };
      case 'Unless':
        return { kind: 'vector', value: right.value === undefined ? left.value : undefined };
    }
    if (left.value === undefined || right.value === undefined) return { kind: vector, value: undefined };
    if (operator.name in ARITHMETIC) return { kind: vector, value: ARITHMETIC[operator.name]!(left.value, right.value) };
    if (vector === 'scalar') throw new Error(`a comparison of two scalars needs 'bool': ${this.source(node)}`);
    // A filter: keeps the vector's element (the left one when both are vectors).
    const kept = left.kind === 'vector' ? left.value : right.value;
    return { kind: 'vector', value: COMPARISON[operator.name]!(left.value, right.value) ? kept : undefined };
  }

  /** The samples of the selector's series in `(at - rangeSeconds, at]`; none when its matchers do not match. */
  private samplesOf(selectorNode: SyntaxNode, rangeSeconds: number): ReadonlyArray<readonly [number, number]> {
    const selector = selectorOf(selectorNode, this.text);
    const found = selector.name === undefined ? undefined : this.series[selector.name];
    if (!found) return [];
    const labels = found.labels ?? {};
    if (!selector.matchers.every(({ label, op, value }) => matches(op, labels[label] ?? '', value))) return [];
    const { samples } = found;
    // Samples are in time order: the first after the range's start, by bisection (simulations ask thousands of times).
    let [low, high] = [0, samples.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (samples[middle]![0] > this.at - rangeSeconds) high = middle;
      else low = middle + 1;
    }
    const inRange: Array<readonly [number, number]> = [];
    for (let index = low; index < samples.length && samples[index]![0] <= this.at; index += 1) inRange.push(samples[index]!);
    return inRange;
  }

  private source(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }
}

const SET_OPERATORS = new Set(['And', 'Or', 'Unless']);
/** Parts of a binary expression that are neither operand nor operator. */
const OPERATOR_PARTS = new Set([...SET_OPERATORS, 'BoolModifier', 'MatchingModifierClause']);

interface Selector {
  readonly name: string | undefined;
  readonly matchers: ReadonlyArray<{ readonly label: string; readonly op: string; readonly value: string }>;
}

function selectorOf(node: SyntaxNode, text: string): Selector {
  const source = (part: SyntaxNode) => text.slice(part.from, part.to);
  const matchers = (node.getChild('LabelMatchers') ? childrenOf(node.getChild('LabelMatchers')!) : []).map((matcher) => {
    if (matcher.name !== 'UnquotedLabelMatcher') throw new Error(`unknown label matcher: ${source(matcher)}`);
    return {
      label: source(matcher.getChild('LabelName')!),
      op: source(matcher.getChild('MatchOp')!),
      value: JSON.parse(source(matcher.getChild('StringLiteral')!).replace(/^'(.*)'$/s, '"$1"')) as string,
    };
  });
  const identifier = node.getChild('Identifier');
  const byLabel = matchers.find(({ label, op }) => label === '__name__' && op === '=');
  return { name: identifier ? source(identifier) : byLabel?.value, matchers: matchers.filter(({ label }) => label !== '__name__') };
}

function matches(op: string, actual: string, expected: string): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '=~':
      return new RegExp(`^(?:${expected})$`).test(actual);
    case '!~':
      return !new RegExp(`^(?:${expected})$`).test(actual);
    default:
      throw new Error(`unknown match operator ${op}`);
  }
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** `2m`, `1h30m`, `90s` in seconds. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.map(([part]) => part).join('') !== duration) throw new Error(`unknown duration ${duration}`);
  return parts.reduce((seconds, [, amount, unit]) => seconds + Number(amount) * DURATION_UNITS[unit!]!, 0);
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const children: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) children.push(child);
  return children;
}

function onlyChild(node: SyntaxNode): SyntaxNode {
  const children = childrenOf(node);
  if (children.length !== 1) throw new Error(`expected one expression in ${node.name}, found ${children.length}`);
  return children[0]!;
}

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
