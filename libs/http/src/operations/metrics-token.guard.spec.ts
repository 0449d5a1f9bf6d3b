import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ProblemException } from '../problem/problem.exception.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';

const TOKEN = 'metrics-token-of-the-test-0123456789';

/** A request with these headers, and a Fastify reply that records the headers set on it. */
function contextWith(headers: Record<string, string>) {
  const set: Record<string, string> = {};
  const response = { header: (name: string, value: string) => (set[name] = value) };
  const context = { switchToHttp: () => ({ getRequest: () => ({ headers }), getResponse: () => response }) } as unknown as ExecutionContext;
  return { context, set };
}

function refusal(guard: MetricsTokenGuard, context: ExecutionContext): ProblemException {
  try {
    guard.canActivate(context);
  } catch (error) {
    if (error instanceof ProblemException) return error;
    throw error;
  }
  throw new Error('the guard let the request through');
}

describe('MetricsTokenGuard', () => {
  it('lets through the bearer METRICS_TOKEN (any case of "Bearer")', () => {
    const guard = new MetricsTokenGuard(TOKEN);
    expect(guard.canActivate(contextWith({ authorization: `Bearer ${TOKEN}` }).context)).toBe(true);
    expect(guard.canActivate(contextWith({ authorization: `bearer ${TOKEN}` }).context)).toBe(true);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer metrics-token-of-the-test-0123456788' }],
    ['the token with a byte more', { authorization: `Bearer ${TOKEN}x` }],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, 16)}` }],
    ['the token as Basic credentials', { authorization: `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}` }],
    ['the token without a scheme', { authorization: TOKEN }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('refuses %s with 401 problem and WWW-Authenticate: Bearer', (_case, headers: Record<string, string>) => {
    const { context, set } = contextWith(headers);
    const problem = refusal(new MetricsTokenGuard(TOKEN), context).problem;
    expect(problem).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(set['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('serves nothing without a configured token: 404, whatever the request carries', () => {
    const { context, set } = contextWith({ authorization: 'Bearer ' });
    expect(refusal(new MetricsTokenGuard(undefined), context).problem).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(set).toEqual({});
  });
});
