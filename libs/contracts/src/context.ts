import type { EventContract } from './envelope.js';
import {
  GATEWAY_OWN_SEGMENTS,
  HTTP_METHODS,
  ROUTE_ACCESS,
  bodySchemasOf,
  schemaNameOf,
  signedBodyProblemsOf,
  type HttpRoute,
  type HttpRouteDefinition,
  type QuerySchema,
} from './http-route.js';

/** The gateway's own port: no context may take it. */
export const GATEWAY_PORT = 3000;

/** What a context consumes: the event types routed to its queue `<name>.events`. */
export interface ContextSubscription {
  readonly events: readonly EventContract[];
  /** Its retry queues' delays; `DEFAULT_RETRY_DELAYS_MS` when omitted. */
  readonly retryDelaysMs?: readonly number[];
}

export interface ContextSpec<Name extends string> {
  /** Lower-case letters and digits: the service name, its queue `<name>.events`, `<NAME>_SERVICE_URL`, `shop_<name>`. */
  readonly name: Name;
  /** Its default port (`PORT` overrides it). */
  readonly port: number;
  /** The events it publishes: each type starts with `<name>.`. */
  readonly events?: readonly EventContract[];
  /** Its public HTTP routes, by a name for its own code; the gateway mounts every one. */
  readonly routes?: Readonly<Record<string, HttpRouteDefinition>>;
  /** The OpenAPI tags its routes use, with their descriptions. */
  readonly tags?: Readonly<Record<string, string>>;
  /** The events it consumes, from any context (its own included). */
  readonly subscribes?: ContextSubscription;
}

/** One bounded context as the rest of the platform knows it: the one place a context registers. */
export interface ContextDefinition<Name extends string = string> {
  readonly name: Name;
  readonly port: number;
  readonly events: readonly EventContract[];
  readonly routes: readonly HttpRoute[];
  readonly tags: Readonly<Record<string, string>>;
  readonly subscribes?: ContextSubscription;
}

const CONTEXT_NAME = /^[a-z][a-z0-9]*$/;
// A context's app is the workspace package `@shop/<name>`: these names are the gateway's and the platform's own packages.
const RESERVED_NAMES = [
  'gateway',
  'auth',
  'contracts',
  'http',
  'messaging',
  'observability',
  'persistence',
  'runtime',
  'scheduler',
  'testing',
  'embedded',
  'bench',
  'e2e',
  'compose',
  'services',
  'arch',
  'nx',
  'lockfile',
];
// Path segments are literal or a whole `{param}`; nothing that a router would read as a pattern.
const ROUTE_PATH = /^(?:\/(?:[a-z0-9][a-z0-9._-]*|\{[A-Za-z][A-Za-z0-9]*\}))+$/;

/**
 * Checks one context's definition and freezes it; a problem is thrown at once (at import, so at
 * start and in every test), naming each mistake.
 */
export function defineContext<const Name extends string>(spec: ContextSpec<Name>): ContextDefinition<Name> {
  const { name, port } = spec;
  const problems: string[] = [];
  if (!CONTEXT_NAME.test(name) || RESERVED_NAMES.includes(name))
    problems.push(`invalid name '${name}' (lower-case letters and digits, not the gateway's or a platform package's: ${RESERVED_NAMES.join(', ')})`);
  if (!Number.isInteger(port) || port < 1 || port > 65_535 || port === GATEWAY_PORT)
    problems.push(`invalid port ${port} (1-65535, not the gateway's ${GATEWAY_PORT})`);
  for (const event of spec.events ?? []) {
    if (!event.type.startsWith(`${name}.`)) problems.push(`publishes '${event.type}', which is not named '${name}.<event>.v<n>'`);
  }
  const tags = spec.tags ?? {};
  const operationIds = new Set<string>();
  for (const [key, route] of Object.entries(spec.routes ?? {})) {
    const where = `route '${key}'`;
    if (!HTTP_METHODS.includes(route.method)) problems.push(`${where}: unknown method '${String(route.method)}'`);
    if (!ROUTE_PATH.test(route.path)) problems.push(`${where}: path '${route.path}' must be '/segment/{param}/…' (lower-case segments)`);
    const first = route.path.split('/')[1] ?? '';
    if ((GATEWAY_OWN_SEGMENTS as readonly string[]).includes(first))
      problems.push(`${where}: path '${route.path}' would take over the gateway's own '/${first}'`);
    if (!(ROUTE_ACCESS as readonly string[]).includes(route.access))
      problems.push(`${where}: unknown access '${String(route.access)}' (${ROUTE_ACCESS.join(' or ')})`);
    if (operationIds.has(route.operationId)) problems.push(`${where}: operationId '${route.operationId}' is used twice`);
    operationIds.add(route.operationId);
    if (!(route.tag in tags)) problems.push(`${where}: tag '${route.tag}' is not in the context's tags`);
    // The gateway reads the account from this field to count failed logins: it must be a string of the body.
    const accountField = route.credentials?.accountField;
    if (
      accountField !== undefined &&
      (route.requestBody as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties?.[accountField]?.type !== 'string'
    )
      problems.push(`${where}: credentials.accountField '${accountField}' is not a string property of the request body`);
    if (route.query !== undefined) problems.push(...queryProblemsOf(route.query).map((problem) => `${where}: ${problem}`));
    problems.push(...signedBodyProblemsOf(route).map((problem) => `${where}: ${problem}`));
    for (const schema of bodySchemasOf(route)) {
      try {
        schemaNameOf(schema);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`invalid context '${name}': ${problems.join('; ')}`);
  const routes = Object.values(spec.routes ?? {}).map((route): HttpRoute =>
    Object.freeze({
      ...route,
      ...(route.signedBody ? { signedBody: Object.freeze({ headers: Object.freeze([...route.signedBody.headers]) }) } : {}),
      service: name,
    }),
  );
  return Object.freeze({
    name,
    port,
    events: Object.freeze([...(spec.events ?? [])]),
    routes: Object.freeze(routes),
    tags: Object.freeze({ ...tags }),
    ...(spec.subscribes ? { subscribes: spec.subscribes } : {}),
  });
}

/** A route's query schema: titled, an object, each property a string or a choice of strings (a query string is text). */
function queryProblemsOf(query: QuerySchema): string[] {
  const problems: string[] = [];
  try {
    schemaNameOf(query);
  } catch (error) {
    problems.push(`query: ${(error as Error).message}`);
  }
  const { type, properties } = query as { type?: unknown; properties?: Record<string, { type?: unknown; enum?: unknown[] }> };
  if (type !== 'object' || properties === undefined) return [...problems, 'query: must be an object schema (Type.Object)'];
  for (const [name, property] of Object.entries(properties)) {
    const isText = property.type === 'string' || (Array.isArray(property.enum) && property.enum.every((value) => typeof value === 'string'));
    if (!isText) problems.push(`query parameter '${name}' must be a string (or a choice of strings): a query string is text`);
  }
  return problems;
}

/**
 * Checks what must hold across contexts and returns the list as given: names, ports, event types,
 * operationIds and method + path each taken once, and one schema per OpenAPI component name.
 */
export function defineContexts<const T extends readonly ContextDefinition[]>(contexts: T): T {
  const problems: string[] = [];
  const taken = (kind: string) => {
    const seen = new Map<string | number, string>();
    return (value: string | number, owner: string) => {
      const first = seen.get(value);
      if (first !== undefined) problems.push(`${kind} ${JSON.stringify(value)} is taken by '${first}' and '${owner}'`);
      else seen.set(value, owner);
    };
  };
  const name = taken('name');
  const port = taken('port');
  const eventType = taken('event type');
  const operationId = taken('operationId');
  const endpoint = taken('route');
  const routes: { route: HttpRoute; owner: string }[] = [];
  const schemas = new Map<string, unknown>();
  for (const context of contexts) {
    name(context.name, context.name);
    port(context.port, context.name);
    for (const event of context.events) eventType(event.type, context.name);
    for (const route of context.routes) {
      operationId(route.operationId, context.name);
      // `{orderId}` and `{id}` in the same place are one route to a router.
      endpoint(`${route.method} ${route.path.replace(/\{\w+\}/g, '{}')}`, context.name);
      // A router tries routes in order: `/things/{id}` before `/things/mine` would take its requests (and its access rule).
      for (const other of routes) {
        if (other.route.method === route.method && other.route.path !== route.path && pathsOverlap(other.route.path, route.path)) {
          problems.push(`routes ${route.method} ${other.route.path} ('${other.owner}') and ${route.path} ('${context.name}') match the same requests`);
        }
      }
      routes.push({ route, owner: context.name });
      for (const schema of bodySchemasOf(route)) {
        const title = schemaNameOf(schema);
        if (schemas.has(title) && schemas.get(title) !== schema) problems.push(`two different body schemas are titled '${title}'`);
        schemas.set(title, schema);
      }
    }
  }
  if (problems.length > 0) throw new Error(`invalid list of contexts: ${problems.join('; ')}`);
  return Object.freeze([...contexts]) as unknown as T;
}

/** Whether one request path could match both: the same number of segments, each pair equal or one of them a `{param}`. */
function pathsOverlap(a: string, b: string): boolean {
  const left = a.split('/');
  const right = b.split('/');
  const isParam = (segment: string) => segment.startsWith('{');
  return left.length === right.length && left.every((segment, i) => segment === right[i] || isParam(segment) || isParam(right[i]!));
}
