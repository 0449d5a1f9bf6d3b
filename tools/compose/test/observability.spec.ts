import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXTS } from '@shop/contracts';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '@shop/embedded';
import { silentLogger } from '@shop/observability';
import { DEFAULT_JITTER } from '@shop/scheduler';
import { parse } from 'yaml';
import { firingAt, scraped, ticks, type Reported } from './alert-simulation.js';
import { durationSeconds, evaluate, exposedMetricNames, metricNamesOf, type Series } from './promql.js';

// docker/observability: Prometheus's scrape config and alerting rules, Grafana's provisioning and
// dashboard. No Docker engine (nor promtool) runs here: the files are checked against each other, against
// the compose file that mounts them, and against the metrics the running apps really serve.
const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const yamlOf = (path: string) => parse(read(path), { merge: true }) as unknown;

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  honor_labels?: boolean;
  authorization?: { type?: string; credentials_file?: string };
  static_configs?: Array<{ targets: string[] }>;
}
interface AlertRule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  type: string;
  title?: string;
  datasource?: { uid?: string; type?: string };
  targets?: Array<{ expr?: string; datasource?: { uid?: string } }>;
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating?: { list: Array<{ name: string; datasource?: { uid?: string }; query?: string | { query?: string } }> };
}
interface ComposeService {
  profiles?: string[];
  volumes?: string[];
  command?: string[];
  secrets?: Array<{ source: string; target?: string }>;
  environment?: Record<string, string>;
}

const prometheus = yamlOf('docker/observability/prometheus.yml') as {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
};
const alerts = yamlOf('docker/observability/alerts.yml') as { groups: Array<{ name: string; rules: AlertRule[] }> };
const datasources = yamlOf('docker/observability/grafana/provisioning/datasources/datasources.yml') as {
  datasources: Array<{ uid: string; type: string; url: string }>;
};
const providers = yamlOf('docker/observability/grafana/provisioning/dashboards/dashboards.yml') as { providers: Array<{ options: { path: string } }> };
const dashboardDir = 'docker/observability/grafana/dashboards/';
const dashboards = readdirSync(new URL(dashboardDir, root))
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, dashboard: JSON.parse(read(`${dashboardDir}${file}`)) as Dashboard }));
const compose = yamlOf('docker/docker-compose.yml') as {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { environment?: string; file?: string }>;
};
const rules = alerts.groups.flatMap((group) => group.rules);
type AlertingRuleText = AlertRule & { expr: string; for: string };
const alertRule = (name: string): AlertingRuleText => {
  const rule = rules.find((candidate) => candidate.alert === name);
  if (!rule?.expr || !rule.for) throw new Error(`alerts.yml has no rule ${name} with an expr and a for`);
  return rule as AlertingRuleText;
};
const scrapeEvery = durationSeconds(prometheus.global.scrape_interval);
const evaluateEvery = durationSeconds(prometheus.global.evaluation_interval);

/** Every panel, those inside rows included. */
const panelsOf = (dashboard: Dashboard): Panel[] => dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);

/** Every PromQL expression of a dashboard, where it is: its panels' queries and its query variables. */
function dashboardExpressions(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  const found: Array<{ where: string; expr: string }> = [];
  for (const panel of panelsOf(dashboard))
    for (const target of panel.targets ?? []) if (target.expr) found.push({ where: `panel "${panel.title}"`, expr: target.expr });
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (!query) continue;
    // Grafana's own functions around a selector or an expression: label_values(<selector>, label), query_result(<expr>).
    const labelValues = /^\s*label_values\(\s*(?:(.*),)?\s*\w+\s*\)\s*$/s.exec(query);
    const queryResult = /^\s*query_result\((.*)\)\s*$/s.exec(query);
    const expr = labelValues ? (labelValues[1] ?? '') : (queryResult?.[1] ?? query);
    if (expr.trim()) found.push({ where: `variable $${variable.name}`, expr });
  }
  return found;
}

/** Series Prometheus makes itself for every target, not served by the apps. */
const PROMETHEUS_OWN = new Set(['up']);

/** The names `expressions` read that `exported` does not have, as `where: name`. */
function unknownMetrics(expressions: ReadonlyArray<{ where: string; expr: string }>, exported: ReadonlySet<string>): string[] {
  return expressions.flatMap(({ where, expr }) =>
    metricNamesOf(expr)
      .filter((name) => !exported.has(name) && !PROMETHEUS_OWN.has(name))
      .map((name) => `${where}: ${name}`),
  );
}

const everyExpression = () => [
  ...rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr ?? '' })),
  ...dashboards.flatMap(({ file, dashboard }) => dashboardExpressions(dashboard).map(({ where, expr }) => ({ where: `${file} ${where}`, expr }))),
];

describe('metricNamesOf (PromQL)', () => {
  it('finds the metrics, not the functions, labels, grouping clauses, durations, strings or variables', () => {
    expect(metricNamesOf('up')).toEqual(['up']);
    expect(metricNamesOf('sum by (service, le) (rate(shop_x_bucket{service=~"$service", le!="+Inf"}[$__rate_interval]))')).toEqual(['shop_x_bucket']);
    expect(metricNamesOf('histogram_quantile(0.95, sum without (instance) (rate(a_bucket[5m:30s] offset 1h)))')).toEqual(['a_bucket']);
    expect(metricNamesOf('max(b) by (job) > bool 3 * on (service) group_left (job) c unless ignoring(x) d or e and f')).toEqual(['b', 'c', 'd', 'e', 'f']);
    expect(metricNamesOf('time() - max by (s) (last_success) > 1e3 and vector(0x1F) < Inf')).toEqual(['last_success']);
    expect(metricNamesOf('label_replace(g{a="by (x) rate(h)"}, "dst", "$1", "src", "(.*)") # a comment naming i')).toEqual(['g']);
    expect(metricNamesOf('{__name__="named_by_label", job="j"} + k @ 1609746000')).toEqual(['k', 'named_by_label']);
    expect(metricNamesOf('sum(rate(http:requests:rate5m[1m])) / count(count by (route) (l))')).toEqual(['http:requests:rate5m', 'l']);
  });

  it('refuses what is not PromQL, rather than reading names out of it', () => {
    expect(() => metricNamesOf('sum(rate(a[5m])')).toThrow(/syntax error/);
    expect(() => metricNamesOf('a +')).toThrow(/syntax error/);
    expect(() => metricNamesOf('rate(a[$undefined_variable])')).toThrow(/syntax error/);
  });
});

describe('evaluate (PromQL, one series per metric)', () => {
  const series: Record<string, Series> = {
    up_since: { labels: { service: 'order' }, samples: [[100, 40]] },
    calls_total: {
      labels: { outcome: 'circuit-open' },
      samples: [
        [100, 1],
        [115, 4],
        [130, 10],
      ],
    },
  };

  it('reads the newest sample up to 5 minutes back, and computes as Prometheus does', () => {
    expect(evaluate('up_since', 130, series)).toBe(40);
    expect(evaluate('up_since', 99, series)).toBeUndefined();
    expect(evaluate('up_since', 401, series)).toBeUndefined();
    expect(evaluate('time() - max by (service) (up_since)', 130, series)).toBe(90);
    expect(evaluate('clamp_min(3 * up_since, 200)', 130, series)).toBe(200);
    expect(evaluate('up_since > 39', 130, series)).toBe(40);
    expect(evaluate('up_since > 40', 130, series)).toBeUndefined();
    expect(evaluate('50 < up_since or 7 * up_since', 130, series)).toBe(280);
    expect(evaluate('up_since unless missing', 130, series)).toBe(40);
    expect(evaluate('up_since unless up_since', 130, series)).toBeUndefined();
    expect(evaluate('rate(calls_total{outcome="circuit-open"}[1m])', 130, series)).toBeCloseTo(9 / 30);
    expect(evaluate('rate(calls_total{outcome="timeout"}[1m])', 130, series)).toBeUndefined();
    expect(evaluate('rate(calls_total[10s])', 130, series)).toBeUndefined();
  });

  it('refuses what it does not know, so that a rule it cannot read fails its spec', () => {
    expect(() => evaluate('topk(1, up_since)', 130, series)).toThrow(/does not know/);
    expect(() => evaluate('up_since > bool 3', 130, series)).toThrow(/bool/);
    expect(() => evaluate('absent(up_since)', 130, series)).toThrow(/does not know/);
  });
});

describe('exposedMetricNames', () => {
  it("reads the exposition's TYPE lines, a histogram with its series", () => {
    const text = [
      '# HELP a_total A',
      '# TYPE a_total counter',
      '# HELP b_seconds B',
      '# TYPE b_seconds histogram',
      'b_seconds_bucket{le="1"} 0',
      '# TYPE c summary',
      '# TYPE d gauge',
      'not_declared 1',
    ].join('\n');
    expect([...exposedMetricNames(text)].sort()).toEqual([
      'a_total',
      'b_seconds',
      'b_seconds_bucket',
      'b_seconds_count',
      'b_seconds_sum',
      'c',
      'c_count',
      'c_sum',
      'd',
    ]);
  });
});

describe('docker/observability/prometheus.yml', () => {
  const jobs = new Map(prometheus.scrape_configs.map((config) => [config.job_name, config]));

  it('scrapes the gateway and the service of every context of CONTEXTS, each at its compose name and port, and nothing else', () => {
    expect([...jobs.keys()].sort()).toEqual(['gateway', ...CONTEXTS.map(({ name }) => name)].sort());
    for (const { name, port } of CONTEXTS) {
      expect(
        jobs.get(name)!.static_configs?.flatMap(({ targets }) => targets),
        `the ${name} job's targets`,
      ).toEqual([`${name}:${port}`]);
      expect(compose.services[name]?.environment?.['PORT']).toBe(String(port));
      expect(jobs.get(name)!.metrics_path ?? '/metrics').toBe('/metrics');
    }
    expect(jobs.get('gateway')!.static_configs?.flatMap(({ targets }) => targets)).toEqual([`gateway:${compose.services['gateway']!.environment!['PORT']}`]);
  });

  it("presents the METRICS_TOKEN bearer from the file compose writes it to, and keeps the scheduler's own `job` label", () => {
    const server = compose.services['prometheus']!;
    const secret = server.secrets?.find(({ source }) => compose.secrets?.[source]?.environment === 'METRICS_TOKEN');
    expect(secret, 'a secret of the prometheus service made from METRICS_TOKEN').toBeDefined();
    const secretPath = (secret!.target ?? secret!.source).startsWith('/') ? secret!.target! : `/run/secrets/${secret!.target ?? secret!.source}`;
    for (const [name, config] of jobs) {
      expect(config.authorization, `the ${name} job's authorization`).toEqual({ type: 'Bearer', credentials_file: secretPath });
      expect(config.honor_labels, `the ${name} job keeps the series' job label`).toBe(true);
    }
  });

  it('is the configuration the compose profile runs, with alerts.yml as its rule file', () => {
    const server = compose.services['prometheus']!;
    const mounted = mountsOf(server);
    const configFile = server.command?.find((argument) => argument.startsWith('--config.file='))?.split('=')[1];
    expect(mounted.get(configFile!)).toBe('./observability/prometheus.yml');
    expect(prometheus.rule_files).toHaveLength(1);
    expect(mounted.get(prometheus.rule_files[0]!)).toBe('./observability/alerts.yml');
  });
});

/** A service's bind mounts, container path → host path (relative to docker/). */
const mountsOf = (service: ComposeService) =>
  new Map(
    (service.volumes ?? [])
      .map((volume) => volume.split(':'))
      .filter(([source]) => source!.startsWith('.'))
      .map(([source, target]) => [target!, source!]),
  );

describe('docker/observability/alerts.yml', () => {
  it('has groups of rules, each with an alert name, an expression, a for, a severity, and a summary and description', () => {
    expect(alerts.groups.length).toBeGreaterThan(0);
    for (const group of alerts.groups) {
      expect(group.name).toMatch(/\S/);
      expect(group.rules.length, `rules of ${group.name}`).toBeGreaterThan(0);
      for (const rule of group.rules) {
        expect(rule.alert, `a rule of ${group.name}`).toMatch(/^[A-Z][A-Za-z]+$/);
        expect(rule.expr, `${rule.alert}'s expr`).toMatch(/\S/);
        expect(rule.for, `${rule.alert}'s for`).toMatch(/^\d+[smh]$/);
        expect(rule.labels?.['severity'], `${rule.alert}'s severity`).toMatch(/^(?:critical|warning|info)$/);
        expect(rule.annotations?.['summary'], `${rule.alert}'s summary`).toMatch(/\S/);
        // What is wrong and what to do about it: more than a line.
        expect(rule.annotations?.['description']?.length ?? 0, `${rule.alert}'s description`).toBeGreaterThan(120);
      }
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
  });

  it('alerts on an outbox row older than 60 s, a dead letter, refused calls for a minute and a job without success for 3 intervals', () => {
    const ruleReading = (metric: string) => rules.filter((rule) => metricNamesOf(rule.expr!).includes(metric));
    expect(ruleReading('shop_outbox_oldest_pending_age_seconds').map((rule) => rule.expr)).toEqual([expect.stringMatching(/>\s*60\b/)]);
    expect(ruleReading('shop_dead_letter_queue_depth').map((rule) => rule.expr)).toEqual([expect.stringMatching(/>\s*0\b/)]);
    expect(ruleReading('shop_gateway_service_calls_total').map((rule) => [rule.alert, rule.for])).toEqual([['ShopCircuitBreakerOpen', '1m']]);
    expect(ruleReading('shop_metrics_read_failures_total').map((rule) => rule.alert)).toEqual(['ShopMetricsUnreadable']);
    const scheduler = ruleReading('shop_scheduled_job_interval_seconds');
    expect(scheduler.map((rule) => rule.alert)).toEqual(['ShopScheduledJobNotSucceeding']);
    expect(metricNamesOf(scheduler[0]!.expr!)).toContain('shop_scheduled_job_last_success_timestamp_seconds');
  });

  it("ShopCircuitBreakerOpen fires while a breaker refuses calls, and clears once they stop, though with no traffic the breaker's state stays open", () => {
    const rule = alertRule('ShopCircuitBreakerOpen');
    // The state gauge moves only on a call: it would keep an alert on it firing for good.
    expect(metricNamesOf(rule.expr!)).not.toContain('shop_gateway_circuit_state');
    const start = 1_700_000_000;
    const [opens, recovers, end] = [start + 60, start + 600, start + 1_200];
    for (const callEvery of [1, 20, 50]) {
      // Clients call payment every `callEvery` seconds while it is down: each call is refused; after it recovers, nobody calls.
      const refused: Reported = (at) => (at < opens ? 0 : Math.floor((Math.min(at, recovers) - opens) / callEvery));
      for (const phase of [0, 5, 10]) {
        const scrapes = ticks(start + phase, scrapeEvery, end);
        const series = {
          shop_gateway_service_calls_total: scraped(refused, scrapes, { upstream: 'payment', outcome: 'circuit-open' }),
          shop_gateway_circuit_state: scraped((at) => (at < opens ? 0 : 1), scrapes, { upstream: 'payment' }),
        };
        const firing = firingAt(rule, ticks(start + 7, evaluateEvery, end), series);
        const when = `one call every ${callEvery} s, scrape phase ${phase} s`;
        expect(firing.length, when).toBeGreaterThan(0);
        expect(firing[0]!, when).toBeLessThanOrEqual(opens + durationSeconds(rule.for!) + 2 * scrapeEvery + callEvery + evaluateEvery);
        expect(firing.at(-1)!, when).toBeLessThanOrEqual(recovers + 120 + scrapeEvery + evaluateEvery);
      }
    }
  });

  it('ShopMetricsUnreadable fires while a gauge cannot be read at the scrapes, and clears once it can', () => {
    const rule = alertRule('ShopMetricsUnreadable');
    const start = 1_700_000_000;
    const [fails, recovers, end] = [start + 120, start + 900, start + 1_800];
    const scrapes = ticks(start + 3, scrapeEvery, end);
    // Each scrape while the database is down counts one failed read of the outbox's gauge.
    const failedReads: Reported = (at) => scrapes.filter((scrape) => scrape >= fails && scrape < recovers && scrape <= at).length;
    const series = { shop_metrics_read_failures_total: scraped(failedReads, scrapes, { service: 'order', metric: 'shop_outbox_pending' }) };
    const firing = firingAt(rule, ticks(start + 9, evaluateEvery, end), series);
    expect(firing[0]).toBeGreaterThan(fails);
    expect(firing[0]).toBeLessThanOrEqual(fails + durationSeconds(rule.for) + 2 * scrapeEvery + evaluateEvery);
    expect(firing.at(-1)).toBeLessThanOrEqual(recovers + 300 + scrapeEvery + evaluateEvery);
  });

  it('tells the operator what to do about dead letters: the dlq command', () => {
    const deadLetters = rules.find((rule) => metricNamesOf(rule.expr!).includes('shop_dead_letter_queue_depth'))!;
    for (const command of ['list', 'inspect', 'replay']) expect(deadLetters.annotations!['description']).toContain(`npm run dlq -- ${command}`);
  });
});

describe('docker/observability/grafana', () => {
  it('provisions the dashboards folder compose mounts, with at least one dashboard in it', () => {
    const grafana = compose.services['grafana']!;
    const mounted = mountsOf(grafana);
    expect(providers.providers.map(({ options }) => mounted.get(options.path))).toEqual(['./observability/grafana/dashboards']);
    expect(mounted.get('/etc/grafana/provisioning')).toBe('./observability/grafana/provisioning');
    expect(dashboards.length).toBeGreaterThan(0);
    expect(new Set(dashboards.map(({ dashboard }) => dashboard.uid)).size).toBe(dashboards.length);
  });

  it('points the data sources at the compose services', () => {
    for (const { uid, url } of datasources.datasources) {
      const host = new URL(url).hostname;
      expect(compose.services[host], `data source ${uid}'s host ${host}`).toBeDefined();
    }
  });

  it('names only provisioned data sources, by uid, in every panel, query and variable', () => {
    const provisioned = new Set(datasources.datasources.map(({ uid }) => uid));
    const used = (dashboard: Dashboard) => [
      ...panelsOf(dashboard).flatMap((panel) => [panel.datasource?.uid, ...(panel.targets ?? []).map((target) => target.datasource?.uid)]),
      ...(dashboard.templating?.list ?? []).map((variable) => variable.datasource?.uid),
    ];
    for (const { file, dashboard } of dashboards) {
      const uids = used(dashboard).filter((uid) => uid !== undefined);
      expect(uids.length, `${file} names its data sources`).toBeGreaterThan(0);
      expect(
        uids.filter((uid) => !provisioned.has(uid)),
        file,
      ).toEqual([]);
      // A panel with queries and no data source of its own would use whatever is the default.
      for (const panel of panelsOf(dashboard).filter((candidate) => (candidate.targets ?? []).length > 0))
        expect(panel.datasource?.uid, `panel "${panel.title}"`).toBeDefined();
    }
  });

  it('shows what issue 13 asks for: outbox, publishes, message outcomes, DLQ, HTTP per route, breakers, scheduler runs', () => {
    const shown = new Set(dashboards.flatMap(({ dashboard }) => dashboardExpressions(dashboard).flatMap(({ expr }) => metricNamesOf(expr))));
    for (const metric of [
      'shop_outbox_pending',
      'shop_outbox_oldest_pending_age_seconds',
      'shop_outbox_published_total',
      'shop_outbox_publish_failures_total',
      'shop_messages_handled_total',
      'shop_messages_failed_total',
      'shop_messages_duplicate_total',
      'shop_messages_invalid_total',
      'shop_dead_letter_queue_depth',
      'shop_gateway_http_requests_total',
      'shop_gateway_http_request_duration_seconds_bucket',
      'shop_gateway_circuit_state',
      'shop_scheduled_job_runs_total',
    ])
      expect(shown, metric).toContain(metric);
  });
});

describe('the metrics the dashboards and alerts read', () => {
  const token = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-observability-'));
  let platform: EmbeddedPlatform;
  let exported: Set<string>;
  let expositions: string[];

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      env: { METRICS_TOKEN: token, RATE_LIMIT_PER_MINUTE: '0' },
      logger: silentLogger(),
    });
    expositions = await Promise.all(metricsUrls(platform).map((url) => scrape(url, token)));
    exported = new Set(expositions.flatMap((exposition) => [...exposedMetricNames(exposition)]));
  }, 60_000);
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What Prometheus scrapes: the gateway's /metrics under its base path, and each service's /metrics. */
  const metricsUrls = (running: EmbeddedPlatform) => [
    `${running.apiUrl}/metrics`,
    ...running.services.filter(({ service }) => service !== 'gateway').map(({ url }) => `${url}/metrics`),
  ];

  it('are served by the running apps: the gateway and every service of CONTEXTS, at the paths prometheus.yml scrapes', () => {
    expect(platform.services.map(({ service }) => service).sort()).toEqual(['gateway', ...CONTEXTS.map(({ name }) => name)].sort());
    const gateway = prometheus.scrape_configs.find(({ job_name }) => job_name === 'gateway')!;
    expect(gateway.metrics_path).toBe(`${new URL(platform.apiUrl).pathname}/metrics`);
    for (const name of ['shop_outbox_pending', 'shop_gateway_http_requests_total', 'shop_scheduled_job_interval_seconds', 'process_start_time_seconds'])
      expect(exported, name).toContain(name);
  });

  it('are all exported: every metric named by a dashboard panel, a dashboard variable or an alert', () => {
    const expressions = everyExpression();
    expect(expressions.length).toBeGreaterThan(20);
    expect(unknownMetrics(expressions, exported)).toEqual([]);
  });

  it('ShopScheduledJobNotSucceeding, for every job the apps declare at its interval: silent while the job succeeds on time, whatever the phase of scrapes and evaluations; fires once it stops succeeding, or when it never does', () => {
    const rule = alertRule('ShopScheduledJobNotSucceeding');
    const forSeconds = durationSeconds(rule.for);
    const jobs = scheduledJobIntervals(expositions);
    // order.expire-overdue (1 s) is the one a threshold of 3 bare intervals got wrong: scraped every 15 s, a success looks 3 intervals old.
    expect(jobs.map(({ job }) => job)).toEqual(expect.arrayContaining(['order.expire-overdue', 'payment.retry-refunds', 'coupon.expire']));
    const start = 1_700_000_000;
    const service = 'shop';
    for (const intervalSeconds of new Set(jobs.map((job) => job.intervalSeconds))) {
      const labels = { service, job: `every.${intervalSeconds}s` };
      // The scheduler's own timing at its slowest: each run takes a while, and the next starts an interval (and
      // the whole jitter) after the last one ended.
      const runSeconds = Math.max(2, intervalSeconds / 4);
      const cycle = intervalSeconds * (1 + DEFAULT_JITTER) + runSeconds;
      const firstSuccess = start + DEFAULT_JITTER * intervalSeconds + runSeconds;
      const lastSuccessUntil =
        (until: number): Reported =>
        (at) =>
          Math.min(at, until) < firstSuccess ? undefined : firstSuccess + Math.floor((Math.min(at, until) - firstSuccess) / cycle) * cycle;
      const threshold = Math.max(3 * intervalSeconds, 60);
      const latest = threshold + forSeconds + scrapeEvery + evaluateEvery;
      const failsFrom = start + Math.max(600, 3 * cycle);
      const end = failsFrom + latest + 60;
      // A job much longer than a scrape hardly depends on the phases: a few of them do.
      const step = intervalSeconds < 4 * scrapeEvery ? 1.5 : scrapeEvery / 2;
      for (let scrapePhase = 0; scrapePhase < scrapeEvery; scrapePhase += step) {
        for (let evaluationPhase = 0; evaluationPhase < evaluateEvery; evaluationPhase += step + 1) {
          const scrapes = ticks(start + scrapePhase, scrapeEvery, end);
          const evaluations = ticks(start + evaluationPhase, evaluateEvery, end);
          const seriesOf = (lastSuccess: Reported): Record<string, Series> => ({
            shop_scheduled_job_last_success_timestamp_seconds: scraped(lastSuccess, scrapes, labels),
            shop_scheduled_job_interval_seconds: scraped(() => intervalSeconds, scrapes, labels),
            process_start_time_seconds: scraped(() => start, scrapes, { service }),
          });
          const when = `a job every ${intervalSeconds} s, scrapes at +${scrapePhase} s, evaluations at +${evaluationPhase} s`;
          expect(firingAt(rule, evaluations, seriesOf(lastSuccessUntil(end))), `${when}: healthy`).toEqual([]);
          const stopped = firingAt(rule, evaluations, seriesOf(lastSuccessUntil(failsFrom)));
          expect(stopped[0], `${when}: stopped succeeding`).toBeGreaterThan(failsFrom);
          expect(stopped[0], `${when}: stopped succeeding`).toBeLessThanOrEqual(failsFrom + latest);
          const never = firingAt(
            rule,
            evaluations,
            seriesOf(() => undefined),
          );
          expect(never[0], `${when}: never succeeds`).toBeLessThanOrEqual(start + latest);
          // The dashboard's panel says the same: over 100% exactly when the rule's condition holds (once the job has succeeded).
          const series = seriesOf(lastSuccessUntil(failsFrom));
          for (const at of evaluations.filter((time) => time > firstSuccess + scrapeEvery)) {
            const share = evaluate(schedulerPanelExpr.replaceAll('$service', service), at, series);
            expect(share! > 1, `${when}: the panel at +${at - start} s`).toBe(evaluate(rule.expr, at, series) !== undefined);
          }
        }
      }
    }
  });

  it('…and the check bites: a misspelt metric, or one no app serves, is reported where it is', () => {
    const planted = [
      { where: 'panel "typo"', expr: 'max by (service) (shop_outbox_pendingg{service=~"$service"})' },
      { where: 'alert Invented', expr: 'rate(shop_orders_lost_total[5m]) > 0 and up == 0' },
    ];
    expect(unknownMetrics(planted, exported)).toEqual(['panel "typo": shop_outbox_pendingg', 'alert Invented: shop_orders_lost_total']);
  });
});

/** The "time since last success" panel's query. */
const schedulerPanelExpr = dashboards
  .flatMap(({ dashboard }) => panelsOf(dashboard))
  .flatMap((panel) => panel.targets ?? [])
  .map((target) => target.expr ?? '')
  .find((expr) => metricNamesOf(expr).includes('shop_scheduled_job_last_success_timestamp_seconds'))!;

/** Every scheduled job the apps declare, with its interval, from their `shop_scheduled_job_interval_seconds` series. */
function scheduledJobIntervals(expositions: readonly string[]): Array<{ service: string; job: string; intervalSeconds: number }> {
  return expositions.flatMap((exposition) =>
    [...exposition.matchAll(/^shop_scheduled_job_interval_seconds\{([^}]*)\} (\S+)$/gm)].map(([, labels, value]) => {
      const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels!)?.[1] ?? '';
      return { service: label('service'), job: label('job'), intervalSeconds: Number(value) };
    }),
  );
}

/** A /metrics answer as Prometheus gets it, with the bearer token; throws unless 200. */
async function scrape(url: string, token: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.text();
}
