import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTERNAL_TOKEN_HEADER, InternalTokenVerifier, type Identity } from '@shop/http';

/** What the fake saw of one call. */
export interface ReceivedCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** The user the gateway's internal token carried; `undefined` for an anonymous call. */
  readonly identity: Identity | undefined;
}

export type FakeMode =
  /** Answers like the contract. */
  | 'normal'
  /** Takes `delayMs` before answering anything but /health*. */
  | 'slow'
  /** Answers 503 to anything but /health*. */
  | 'failing';

export const TAKEN_EMAIL = 'taken@example.com';
export const FAKE_ACCESS_TOKEN = 'token-issued-by-the-fake';
export const EMAIL_TAKEN_PROBLEM = JSON.stringify({
  type: 'urn:shop:problem:EMAIL_TAKEN',
  title: 'Conflict',
  status: 409,
  detail: 'an account with this email exists',
  code: 'EMAIL_TAKEN',
  instance: '/auth/register',
  correlationId: 'from-the-fake',
});

/**
 * A stand-in for the user service: a plain node:http server that accepts only calls bearing a
 * valid internal token of the gateway (as every real service does) and answers like the contract.
 * It records every call, except `/health*`: readiness asks (`/health`, `/health/ready`) are counted apart.
 */
export class FakeUserService {
  readonly calls: ReceivedCall[] = [];
  healthChecks = 0;
  /** The path of each readiness ask, in order. */
  readonly healthPaths: string[] = [];
  mode: FakeMode = 'normal';
  delayMs = 0;
  /** In `slow` mode, how many calls are worked on at once (as argon2 on libuv's threads); the others wait their turn. */
  workers = Number.POSITIVE_INFINITY;
  private busy = 0;
  private readonly turns: (() => void)[] = [];
  healthy = true;
  /** How long `/health` and `/health/ready` take to answer. */
  healthDelayMs = 0;
  /** Headers put on every answer: what a service may say that the gateway must not pass back. */
  answerHeaders: Record<string, string | string[]> = {};
  private server: Server | undefined;
  private port = 0;
  private readonly verifier: InternalTokenVerifier;

  constructor(internalAuthSecret: string) {
    this.verifier = new InternalTokenVerifier(internalAuthSecret, 'user');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening, on the same port as before after a `stop()`. */
  async start(): Promise<this> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening: connections are refused until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  callsTo(path: string): ReceivedCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  /** `delayMs` of work once one of the `workers` is free. */
  private async work(): Promise<void> {
    if (this.busy >= this.workers) await new Promise<void>((resolve) => this.turns.push(resolve));
    else this.busy += 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    } finally {
      // The worker goes straight to the next waiting call, if any.
      const next = this.turns.shift();
      if (next) next();
      else this.busy -= 1;
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const path = request.url ?? '/';
    const correlationId = request.headers['x-correlation-id'];
    if (typeof correlationId === 'string') response.setHeader('x-correlation-id', correlationId);
    for (const [name, value] of Object.entries(this.answerHeaders)) response.setHeader(name, value);

    if (request.method === 'GET' && path === '/health/live') return send(response, 200, { live: true, draining: false });
    if (request.method === 'GET' && (path === '/health' || path === '/health/ready')) {
      this.healthChecks += 1;
      this.healthPaths.push(path);
      if (this.healthDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.healthDelayMs));
      if (response.destroyed) return;
      if (path === '/health/ready') {
        const database = { status: this.healthy ? 'up' : 'down', durationMs: 1 };
        return send(response, this.healthy ? 200 : 503, { ready: this.healthy, draining: false, checkedAt: new Date().toISOString(), checks: { database } });
      }
      return send(response, this.healthy ? 200 : 503, { status: this.healthy ? 'ok' : 'unavailable', checks: { database: this.healthy ? 'up' : 'down' } });
    }

    let identity: Identity | undefined;
    try {
      const token = request.headers[INTERNAL_TOKEN_HEADER];
      if (typeof token !== 'string') throw new Error('no internal token');
      identity = this.verifier.verify(token, { method: request.method ?? '', path: request.url ?? '' }).identity;
    } catch {
      return problem(response, 401, 'NOT_FROM_GATEWAY', 'This service answers only calls that come through the gateway.');
    }
    this.calls.push({ method: request.method ?? '', path, headers: request.headers, rawBody, identity });

    if (this.mode === 'failing') return problem(response, 503, 'UNAVAILABLE', 'the database is down');
    if (this.mode === 'slow') await this.work();
    if (response.destroyed) return;

    const body = rawBody === '' ? undefined : (JSON.parse(rawBody) as Record<string, unknown>);
    if (request.method === 'POST' && path === '/auth/register') {
      if (body?.['email'] === TAKEN_EMAIL) {
        response.writeHead(409, { 'content-type': 'application/problem+json; charset=utf-8' });
        return void response.end(EMAIL_TAKEN_PROBLEM);
      }
      return send(response, 201, { userId: randomUUID(), email: body?.['email'], nickname: body?.['nickname'] ?? null });
    }
    if (request.method === 'POST' && path === '/auth/login') {
      if (body?.['password'] !== 'correct horse') return problem(response, 401, 'INVALID_CREDENTIALS', 'wrong email or password');
      return send(response, 200, { accessToken: FAKE_ACCESS_TOKEN, tokenType: 'Bearer', expiresIn: 900 });
    }
    if (request.method === 'GET' && path === '/me') {
      if (!identity) return problem(response, 401, 'UNAUTHENTICATED', 'Sign in to do this.');
      return send(response, 200, { userId: identity.userId, email: 'me@example.com', nickname: null, roles: identity.roles });
    }
    return problem(response, 404, 'NOT_FOUND', `Cannot ${request.method} ${path}`);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function problem(response: ServerResponse, status: number, code: string, detail: string): void {
  response.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' });
  response.end(JSON.stringify({ type: `urn:shop:problem:${code}`, title: 'Error', status, detail, code }));
}
