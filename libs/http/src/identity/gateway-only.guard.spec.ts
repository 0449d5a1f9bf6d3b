import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Logger } from '@shop/observability';
import { ManualClock } from '@shop/shared-kernel';
import { describe, expect, it } from 'vitest';
import { ProblemException } from '../problem/problem.exception.js';
import { GatewayOnlyGuard } from './gateway-only.guard.js';
import { INTERNAL_TOKEN_HEADER } from './internal-token.js';
import { InternalTokenIssuer } from './internal-token.issuer.js';
import { InternalTokenVerifier } from './internal-token.verifier.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes';

function setUp() {
  const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) } as unknown as Logger;
  const guard = new GatewayOnlyGuard(new Reflector(), new InternalTokenVerifier(SECRET, 'user', { clock }), logger);
  class Controller {
    handler(): void {}
  }
  /** The guard's answer to a request with `token` arriving as `method url`. */
  const call = (method: string, url: string, token: string): unknown => {
    const request = { method, url, headers: { [INTERNAL_TOKEN_HEADER]: token } };
    const context = {
      getType: () => 'http',
      getHandler: () => Controller.prototype.handler,
      getClass: () => Controller,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    try {
      return guard.canActivate(context);
    } catch (error) {
      return error instanceof ProblemException ? [error.problem.status, error.problem.code] : error;
    }
  };
  return { clock, issuer: new InternalTokenIssuer(SECRET, clock), call, warnings };
}

describe('GatewayOnlyGuard', () => {
  it('checks the method and the path (query included) the request really came with, then the id, answering 401 NOT_FROM_GATEWAY', () => {
    const { issuer, call, warnings } = setUp();
    const token = issuer.issue({ audience: 'user', method: 'GET', path: '/me?x=1' });
    expect(call('POST', '/auth/register', token)).toEqual([401, 'NOT_FROM_GATEWAY']);
    expect(call('GET', '/me', token)).toEqual([401, 'NOT_FROM_GATEWAY']);
    expect(call('GET', '/me?x=1', token)).toBe(true);
    expect(call('GET', '/me?x=1', token)).toEqual([401, 'NOT_FROM_GATEWAY']);
    expect(warnings.map(({ fields, message }) => [message, fields['reason']])).toEqual([
      ['internal token refused', 'wrong-method'],
      ['internal token refused', 'wrong-path'],
      ['internal token refused', 'replayed'],
    ]);
    // The warning says why, never with the token: it may still be good for the call it was signed for.
    expect(JSON.stringify(warnings)).not.toContain(token.split('.')[2]);
  });

  it('refuses a token 11 s old', () => {
    const { clock, issuer, call, warnings } = setUp();
    const token = issuer.issue({ audience: 'user', method: 'GET', path: '/me' });
    clock.advance(11_000);
    expect(call('GET', '/me', token)).toEqual([401, 'NOT_FROM_GATEWAY']);
    expect(warnings[0]?.fields['reason']).toBe('expired');
  });
});
