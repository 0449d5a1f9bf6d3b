import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer, type Identity } from '@shop/http';

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as is, instead of `body` as JSON. */
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls one instance of a context's service over HTTP, either as the gateway forwards a call or straight past it. */
export class ContextApi {
  private readonly gateway: InternalTokenIssuer;

  constructor(
    readonly url: string,
    /** The context's name: the audience of the gateway's internal token. */
    private readonly audience: string,
    internalAuthSecret: string,
    /** The instance's `METRICS_TOKEN`, for `metrics()`. */
    private readonly metricsToken?: string,
  ) {
    this.gateway = new InternalTokenIssuer(internalAuthSecret);
  }

  /** `/metrics` as Prometheus scrapes it (with the `METRICS_TOKEN`): the exposition text; throws unless 200. Read it with `metricValue`. */
  async metrics(): Promise<string> {
    if (this.metricsToken === undefined) throw new Error(`no METRICS_TOKEN given to the ${this.audience} API client`);
    const response = await this.direct('GET', '/metrics', { headers: { authorization: `Bearer ${this.metricsToken}` } });
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
    return response.text();
  }

  /** With the gateway's internal token: for `identity`, or anonymous. `path` includes its query string. */
  viaGateway(method: Method, path: string, options: RequestOptions & { identity?: Identity } = {}): Promise<Response> {
    const token = this.gateway.issue({ audience: this.audience, method, path }, options.identity);
    return this.direct(method, path, { ...options, headers: { ...options.headers, [INTERNAL_TOKEN_HEADER]: token } });
  }

  /** Without the gateway's token, unless `headers` brings one. */
  direct(method: Method, path: string, options: RequestOptions = {}): Promise<Response> {
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    return fetch(`${this.url}${path}`, { method, headers, body });
  }
}

/** An error answer's problem+json body, as far as tests read it. */
export interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ field: string }>;
}

/** The problem+json body of an error answer; throws when the answer is not problem+json. */
export async function problemOf(response: Response): Promise<Problem> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/problem+json')) throw new Error(`expected problem+json, got '${contentType}': ${await response.text()}`);
  return (await response.json()) as Problem;
}
