import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { LOGGER, type Logger } from '@shop/observability';
import { TransactionHost } from '@shop/persistence';
import { DomainError, settlesWithin, sleep } from '@shop/shared-kernel';
import { defer, from, lastValueFrom, type Observable } from 'rxjs';
import { REQUEST_IDENTITY, type RequestWithIdentity } from '../identity/identity.decorators.js';
import { rawResponseOf } from '../correlation/correlation.middleware.js';
import { ProblemException } from '../problem/problem.exception.js';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf } from './idempotency-key.js';
import type { ResolvedIdempotencyOptions } from './idempotency.options.js';
import { IdempotencyStore, type IdempotencyRecord, type IdempotentRequest, type StoredAnswer } from './idempotency.store.js';
import { IDEMPOTENCY_OPTIONS, IDEMPOTENT_ROUTE } from './idempotency.tokens.js';
import { requestFingerprint } from './request-fingerprint.js';
import { InFlightRequests } from './in-flight-requests.js';
import { answerOf, captureSentAnswer, responseOf } from './stored-answer.js';

/** Per route, from `@Idempotent()`. */
export interface IdempotentRouteOptions {
  /** Refuse a request without an `Idempotency-Key` (400 `IDEMPOTENCY_KEY_MISSING`). Default: the key is optional. */
  readonly required?: boolean;
  /**
   * `'own'`: the route opens its own transactions, because it calls something outside its database between
   * them (a payment provider: never inside a transaction). Its answer is stored after it returns, in a
   * transaction of its own; a crash in between leaves the key claimed until its lease, and a retry then runs
   * the route again, so such a route must itself refuse a second effect (POST /payments: one live payment per
   * order). Such a route is not bounded by `IDEMPOTENCY_EXECUTION_TIMEOUT_MS` (no transaction of the
   * interceptor's to cancel): it must bound its own outside calls. Default: the route runs inside the
   * transaction that stores its answer, so both commit or neither.
   */
  readonly transaction?: 'shared' | 'own';
  /**
   * Codes of domain refusals that may change with time (the order's projection lags behind, a pending
   * attempt expires): such a refusal frees the key instead of being stored, so a retry with the same key
   * runs the route again. Every other refusal is stored and replayed.
   */
  readonly transientCodes?: readonly string[];
}

type HttpRequest = IncomingMessage & RequestWithIdentity & { originalUrl?: string; body?: unknown };

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 250;

/**
 * Serves an `@Idempotent()` route (see the README, "Idempotency-Key"): the first request with a key
 * claims it and runs the route inside one transaction that also stores its answer; a repeat replays
 * that answer; a repeat while it runs waits for it, within `waitMs`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
    // One per service (not per interceptor instance, which Nest makes per module).
    private readonly inFlight: InFlightRequests,
    private readonly transactions: TransactionHost,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const route = this.reflector.get<IdempotentRouteOptions | undefined>(IDEMPOTENT_ROUTE, context.getHandler()) ?? {};
    const request = context.switchToHttp().getRequest<HttpRequest>();
    // The raw response under Fastify's reply: its headers are merged into the answer, and its writes can be watched.
    const response = rawResponseOf(context.switchToHttp().getResponse<ServerResponse>());
    const key = idempotencyKeyOf(request.headers[IDEMPOTENCY_KEY_HEADER]);
    if (key === undefined) {
      if (route.required) throw keyMissing();
      return next.handle();
    }
    const identity = request[REQUEST_IDENTITY];
    // Scoped by key alone, one anonymous caller could replay (read) another's answer, or block its key, with a guessed or leaked key.
    if (!identity) throw needsUser();
    const method = (request.method ?? 'POST').toUpperCase();
    const path = request.originalUrl ?? request.url ?? '';
    const idempotent: IdempotentRequest = {
      scope: `user:${identity.userId}`,
      key,
      method,
      path,
      fingerprint: requestFingerprint({ method, path, body: request.body }),
    };
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (method === 'POST' ? 201 : 200);
    return defer(() => from(this.serve(idempotent, status, next, response, route)));
  }

  private async serve(
    request: IdempotentRequest,
    status: number,
    next: CallHandler,
    response: ServerResponse,
    route: IdempotentRouteOptions,
  ): Promise<unknown> {
    const waitUntil = performance.now() + this.options.waitMs;
    // Another request of this process holds the key: wait for it here.
    for (let other = this.inFlight.get(request); other; other = this.inFlight.get(request)) {
      if (other.request.fingerprint !== request.fingerprint) throw reused(request, other.request);
      if (!(await settlesWithin(other.settled, waitUntil - performance.now()))) throw inProgress(response);
    }
    const end = this.inFlight.begin(request);
    let handedOver = false;
    try {
      const owner = randomUUID();
      let pollMs = FIRST_POLL_MS;
      let outcome = await this.store.claim(request, owner);
      for (;;) {
        if (outcome.claimed) {
          handedOver = true;
          return await this.runAsOwner(request, owner, status, next, response, end, route);
        }
        const record = outcome.record;
        const decision = this.decide(request, record);
        if (decision === 'replay' && record?.answer) return responseOf(record.answer, true);
        if (decision === 'wait') {
          // Held by a request on another instance (or one that died): poll until it answers or its lease ends.
          const left = waitUntil - performance.now();
          if (left <= 0) throw inProgress(response);
          await sleep(Math.min(pollMs, left));
          pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
          const again = await this.store.find(request);
          if (this.decide(request, again) !== 'claim') {
            outcome = { claimed: false, record: again };
            continue;
          }
        } else if (performance.now() > waitUntil) {
          // Released and claimed again by others over and over: give up like any other wait.
          throw inProgress(response);
        }
        outcome = await this.store.claim(request, owner);
      }
    } finally {
      if (!handedOver) end();
    }
  }

  /** What a request does with the key's row as it stands. Throws 422 for a reused key. */
  private decide(request: IdempotentRequest, record: IdempotencyRecord | undefined): 'replay' | 'wait' | 'claim' {
    if (!record) return 'claim';
    const now = record.now; // the store's clock: the database's on PostgreSQL
    // Expired, or claimed by a request that never answered (its instance died): the key is free again.
    if (record.answer ? record.expiresAt <= now : record.lockedUntil <= now) return 'claim';
    if (record.fingerprint !== request.fingerprint) throw reused(request, record);
    return record.answer ? 'replay' : 'wait';
  }

  /**
   * Runs the route and stores its answer in one transaction, which the route's own
   * `unitOfWork.run` joins: the effect and the answer commit together or not at all. Calls `end`
   * once the key's outcome is settled.
   */
  private async runAsOwner(
    request: IdempotentRequest,
    owner: string,
    status: number,
    next: CallHandler,
    response: ServerResponse,
    end: () => void,
    route: IdempotentRouteOptions,
  ): Promise<Response> {
    const signal = AbortSignal.timeout(this.options.executionTimeoutMs);
    let answer: StoredAnswer;
    try {
      answer =
        route.transaction === 'own'
          ? await this.runOutsideTransaction(request, owner, status, next)
          : await this.transactions.run(
              async () => {
                // Called here, so that the route runs inside this transaction's async context.
                const value: unknown = await lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
                const stored = answerOf(value, status);
                if (!(await this.store.complete(request, owner, stored))) {
                  throw new Error('idempotency: another request took this key over while this one ran past its lease; its effect is rolled back');
                }
                return stored;
              },
              { signal },
            );
    } catch (error) {
      if (error instanceof DomainError && route.transientCodes?.includes(error.code)) {
        // A refusal that may not hold for long: not kept, so that the same key may try again later.
        await this.release(request, owner);
        end();
        throw error;
      }
      if (error instanceof DomainError) {
        // The route refused the request (nothing committed): the filter turns the error into the
        // answer, which is kept once sent, so that a retry gets the same refusal.
        void this.keepSentAnswer(response, request, owner).finally(end);
        throw error;
      }
      await this.release(request, owner);
      end();
      if (signal.aborted) {
        throw ProblemException.of(
          503,
          'REQUEST_TIMED_OUT',
          `The request took longer than ${this.options.executionTimeoutMs} ms; it may still have completed. Retry it with the same key: a completed request answers as it did, one that did not runs again.`,
        );
      }
      throw error;
    }
    end();
    return responseOf(answer, false);
  }

  /**
   * `transaction: 'own'`: the route commits its own effects, then the answer is stored. The effect cannot be
   * rolled back any more, so a key lost meanwhile (the route ran past its lease and another request took the
   * key over) is logged and the answer given anyway.
   */
  private async runOutsideTransaction(request: IdempotentRequest, owner: string, status: number, next: CallHandler): Promise<StoredAnswer> {
    const value: unknown = await lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
    const stored = answerOf(value, status);
    if (!(await this.store.complete(request, owner, stored))) {
      this.logger.warn(
        { key: request.key, path: request.path },
        'idempotency: the route ran past its lease and another request took its key over; its answer is not stored',
      );
    }
    return stored;
  }

  private async keepSentAnswer(response: ServerResponse, request: IdempotentRequest, owner: string): Promise<void> {
    try {
      // Bounded by the key's lease: a response that never finishes nor closes would otherwise keep the
      // key in flight in this process (409 to every retry) until a restart. Unknown, the key is freed.
      const sent = await captureSentAnswer(response, this.options.leaseMs);
      if (sent && sent.status >= 400 && sent.status < 500) await this.store.complete(request, owner, sent);
      else await this.release(request, owner);
    } catch (error) {
      this.logger.warn({ err: error, key: request.key }, 'idempotency: could not keep a refused request’s answer; its key stays claimed until its lease ends');
    }
  }

  /** Frees the key so that a retry runs the route again; a failure leaves it to the lease. */
  private async release(request: IdempotentRequest, owner: string): Promise<void> {
    try {
      await this.store.release(request, owner);
    } catch (error) {
      this.logger.warn({ err: error, key: request.key }, 'idempotency: could not release a key; it stays claimed until its lease ends');
    }
  }
}

const keyMissing = () =>
  ProblemException.of(
    400,
    'IDEMPOTENCY_KEY_MISSING',
    'This request needs an Idempotency-Key header: a new UUID per operation, sent again with each retry of it.',
  );

const needsUser = () =>
  ProblemException.of(400, 'IDEMPOTENCY_KEY_NEEDS_USER', 'An Idempotency-Key is honoured only for a signed-in user; sign in or leave the header out.');

function inProgress(response: ServerResponse): ProblemException {
  response.setHeader('retry-after', '1');
  return ProblemException.of(409, 'REQUEST_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry it with the same key shortly.');
}

function reused(request: IdempotentRequest, record: Pick<IdempotencyRecord, 'method' | 'path'>): ProblemException {
  const sameRoute = record.method === request.method && record.path === request.path;
  const first = sameRoute ? 'with another body' : `for ${record.method} ${record.path}`;
  return ProblemException.of(422, 'IDEMPOTENCY_KEY_REUSED', `This Idempotency-Key was first used ${first}; use a new key for a new request.`);
}
