/**
 * The value of a metric in a Prometheus text exposition (what `/metrics` answers): the sum of its
 * series that carry every label given (each series when none is given); undefined when no series
 * matches. `name` is the sample's full name (`shop_messages_handled_total`, `…_bucket`).
 *
 *     metricValue(await api.metrics(), 'shop_messages_handled_total', { handler: 'reserve-points-on-order-placed' })
 */
export function metricValue(exposition: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    const sample = SAMPLE.exec(line);
    if (!sample || sample[1] !== name) continue;
    const carried = labelsOf(sample[2] ?? '');
    if (!Object.entries(labels).every(([label, value]) => carried.get(label) === value)) continue;
    sum = (sum ?? 0) + Number(sample[3]);
  }
  return sum;
}

// name, optional {labels}, value (an optional timestamp after it is ignored).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [, label, value] of text.matchAll(LABEL))
    labels.set(
      label!,
      value!.replace(/\\(.)/g, (_m, escaped: string) => (escaped === 'n' ? '\n' : escaped)),
    );
  return labels;
}
