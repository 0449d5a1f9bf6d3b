import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { PAYMENT_LIST_LIMIT, PAYMENT_ROUTES, PAYMENT_SIGNATURE_HEADER, paymentContext } from '@shop/contracts';
import { IDEMPOTENT_ROUTE, ProblemMapper, installJsonBodyParser, servedRoutes, type ServedRoute } from '@shop/http';
import { DomainError } from '@shop/shared-kernel';
import { capturingLogger, capturingReply, documentedCodes, levelsAndMessages, recordingUseCase } from '@shop/testing';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { SimulatePaymentHandler } from '../../application/commands/simulate-payment/simulate-payment.handler.js';
import { InvalidSignatureError } from '../../domain/payment.errors.js';
import { paymentHttpControllers } from '../payment.controllers.js';
import { AdminPaymentsController } from './admin-payments.controller.js';
import { PaymentCallbackController } from './payment-callback.controller.js';
import { paymentErrorStatuses } from './payment.error-statuses.js';
import { PaymentsController } from './payments.controller.js';

const identity = { userId: crypto.randomUUID(), roles: ['customer'] };
const paymentId = crypto.randomUUID();
const orderId = crypto.randomUUID();
const pathOf = (route: { method: string; path: string }) => `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`;
const customers = (useCases: { create?: unknown; get?: unknown; simulate?: unknown }) =>
  new PaymentsController((useCases.create ?? {}) as never, (useCases.get ?? {}) as never, (useCases.simulate ?? {}) as never);

describe('the payment HTTP contract', () => {
  it('is served route for route, each with the access the contract declares (admin routes check the role themselves too)', () => {
    const declared = paymentContext.routes.map((route) => ({ route: pathOf(route), access: route.access }));
    const byRoute = (a: Omit<ServedRoute, 'idempotent'>, b: Omit<ServedRoute, 'idempotent'>) => a.route.localeCompare(b.route);
    expect(
      servedRoutes(paymentHttpControllers)
        .map(({ route, access }) => ({ route, access }))
        .sort(byRoute),
    ).toEqual(declared.sort(byRoute));
  });

  it('honours Idempotency-Key on exactly the routes whose summary says so: starting a payment, which a retry would repeat', () => {
    const served = servedRoutes(paymentHttpControllers)
      .filter((route) => route.idempotent)
      .map((route) => route.route);
    const declared = paymentContext.routes.filter((route) => route.summary.includes('honours `Idempotency-Key`')).map(pathOf);
    expect(served.sort()).toEqual(declared.sort());
    expect(served).toEqual(['POST /payments']);
  });

  it('starts a payment outside the key’s transaction (the payment commits before the provider is called, never inside one); a refusal that may change with time frees the key', () => {
    const options: unknown = Reflect.getMetadata(IDEMPOTENT_ROUTE, PaymentsController.prototype.create);
    expect(options).toEqual({ transaction: 'own', transientCodes: ['ORDER_NOT_FOUND', 'PAYMENT_IN_PROGRESS'] });
  });

  it('gives every problem code a route documents a status, and that status', () => {
    const ours = documentedCodes(PAYMENT_ROUTES).filter(({ code }) => code in paymentErrorStatuses);
    expect(new Set(ours.map(({ code }) => code))).toEqual(new Set(Object.keys(paymentErrorStatuses)));
    for (const { code, status } of ours) expect({ code, status: paymentErrorStatuses[code] }).toEqual({ code, status });
  });

  it('maps only codes a route documents (no status for errors that only message handlers raise)', () => {
    const documented = new Set(documentedCodes(PAYMENT_ROUTES).map(({ code }) => code));
    expect(Object.keys(paymentErrorStatuses).filter((code) => !documented.has(code))).toEqual([]);
    expect(paymentErrorStatuses).not.toHaveProperty('NOT_REFUNDABLE');
    expect(paymentErrorStatuses).not.toHaveProperty('REFUND_AMOUNT_MISMATCH');
  });

  it('maps no code to a 5xx: a provider failing, refusing or silent is a FAILED payment, never an error of the service', () => {
    expect(Object.entries(paymentErrorStatuses).filter(([, status]) => status >= 500)).toEqual([]);
    expect(paymentErrorStatuses).not.toHaveProperty('PROVIDER_UNAVAILABLE');
  });

  describe('a customer’s payments', () => {
    const view = { paymentId, orderId, status: 'PENDING' };

    it('are started for the signed-in customer, the order named in its one spelling, lower case', async () => {
      const create = recordingUseCase(view);
      expect(await customers({ create }).create({ orderId: orderId.toUpperCase() }, identity)).toBe(view);
      expect(create.commands).toEqual([{ userId: identity.userId, orderId }]);
    });

    it('are read by id for the signed-in customer only (the use case answers 404 for anyone else’s)', async () => {
      const get = recordingUseCase(view);
      expect(await customers({ get }).get({ paymentId: paymentId.toUpperCase() }, identity)).toBe(view);
      expect(get.commands).toEqual([{ paymentId, userId: identity.userId }]);
    });

    it('are settled at the sandbox as asked, passing only what was said (the use case fills in the rest and answers it)', async () => {
      const simulated = { paymentId, outcome: 'success', callback: 'send', refunds: 'accept' };
      const simulate = recordingUseCase(simulated);
      const controller = customers({ simulate });
      const shouted = { paymentId: paymentId.toUpperCase() };
      expect(await controller.simulate(shouted, { outcome: 'success' }, identity)).toBe(simulated);
      await controller.simulate(shouted, { outcome: 'failure', callback: 'withhold', refunds: 'refuse' }, identity);
      expect(simulate.commands).toEqual([
        { userId: identity.userId, paymentId, outcome: 'success' },
        { userId: identity.userId, paymentId, outcome: 'failure', callback: 'withhold', refunds: 'refuse' },
      ]);
    });

    it('where no sandbox runs (a real provider bound instead), simulating answers 404 SANDBOX_DISABLED, before any payment is looked up', async () => {
      const payments = { find: () => Promise.reject(new Error('looked up')), findForUpdate: () => Promise.reject(new Error('looked up')) };
      const rules = {
        webhookSecret: 'x'.repeat(32),
        webhookToleranceMs: 300_000,
        reconcileAfterMs: 1,
        pendingTimeoutMs: 1,
        refundBackoffMaxMs: 5_000,
        providerTimeoutMs: 3_000,
        orderArrivalWaitMs: 0,
        sandbox: false,
      };
      const controller = customers({ simulate: new SimulatePaymentHandler(payments as never, rules, null) });
      const refusal: unknown = await controller.simulate({ paymentId }, { outcome: 'success' }, identity).catch((error: unknown) => error);
      expect(new ProblemMapper(paymentErrorStatuses).map(refusal).problem).toMatchObject({ status: 404, code: 'SANDBOX_DISABLED' });
    });

    it('let every refusal through as it is (the error map answers it; the idempotency interceptor keeps a refusal for a retry)', async () => {
      const refusal = Object.assign(new Error('not payable'), { code: 'NOT_PAYABLE' });
      await expect(customers({ create: recordingUseCase(refusal) }).create({ orderId }, identity)).rejects.toBe(refusal);
    });
  });

  describe('the provider’s callback', () => {
    const callbackRoute = pathOf(PAYMENT_ROUTES.receivePaymentCallback);

    it('is anonymous: the signature, not the gateway’s identity, says who sent it', () => {
      expect(servedRoutes([PaymentCallbackController])).toEqual([{ route: callbackRoute, access: 'anonymous', idempotent: false }]);
    });

    it('reads no parsed body and runs no pipe before the use case: a forged body must be refused as forged, not as malformed', () => {
      const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, PaymentCallbackController, 'receive') as Record<
        string,
        { index: number; data: unknown; pipes: unknown[] }
      >;
      // `<paramtype>:<index>`: the raw request (0) and one header (6); never the body (3).
      const params = Object.entries(args).map(([key, arg]) => ({ type: Number(key.split(':')[0]), data: arg.data ?? null, pipes: arg.pipes.length }));
      expect(params.sort((a, b) => a.type - b.type)).toEqual([
        { type: 0, data: null, pipes: 0 },
        { type: 6, data: PAYMENT_SIGNATURE_HEADER, pipes: 0 },
      ]);
    });

    it('hands the use case the bytes that arrived, exactly as sent (spacing, key order, escapes), and the signature header as sent', async () => {
      const bytes = Buffer.from('{ "type":"payment.succeeded",\n  "paymentId" : "' + paymentId.toUpperCase() + '", "note":"\\u00e9t\u00e9" }');
      const { commands, answer } = await arriving(bytes, { [PAYMENT_SIGNATURE_HEADER]: 't=1,v1=ab' }, { outcome: 'succeeded', paymentId, afterFailure: false });
      expect(answer).toEqual({ received: true });
      expect(commands).toEqual([{ rawBody: bytes, signature: 't=1,v1=ab' }]);
      expect((commands[0] as { rawBody: Buffer }).rawBody.equals(bytes)).toBe(true);
    });

    it('hands over no signature as none, and no body as no bytes (the use case refuses both as unsigned)', async () => {
      const { commands } = await arriving(undefined, {}, { outcome: 'ignored', paymentId, afterFailure: false });
      expect(commands).toEqual([{ rawBody: Buffer.alloc(0), signature: undefined }]);
    });

    it.each<[string, DomainError, string, Record<string, unknown>]>([
      [
        'a forged or stale signature, at warn with the reason and never the body',
        new DomainError('INVALID_SIGNATURE', 'refused', { reason: 'STALE' }),
        'warn',
        { reason: 'STALE', bytes: 2 },
      ],
      [
        'a signed body off the contract, at warn',
        new DomainError('INVALID_PAYMENT_CALLBACK', 'no', { problems: [{ path: '/amount', message: 'bad' }] }),
        'warn',
        { problems: [{ path: '/amount', message: 'bad' }] },
      ],
      ['an unknown payment, at warn (the provider sends it again)', new DomainError('PAYMENT_NOT_FOUND', 'no', { paymentId }), 'warn', { paymentId }],
      [
        'another amount, at error with both',
        new DomainError('AMOUNT_MISMATCH', 'no', { paymentId, expected: 100, received: 1 }),
        'error',
        { code: 'AMOUNT_MISMATCH', paymentId, expected: 100, received: 1 },
      ],
      [
        'another currency, at error with both',
        new DomainError('CURRENCY_MISMATCH', 'no', { paymentId, expected: 'CNY', received: 'USD' }),
        'error',
        { code: 'CURRENCY_MISMATCH', paymentId, expected: 'CNY', received: 'USD' },
      ],
    ])('lets the use case’s refusal through (the error map answers it), logging %s', async (_case, refusal, level, fields) => {
      const { failure, lines } = await arriving(Buffer.from('{}'), { [PAYMENT_SIGNATURE_HEADER]: 't=1,v1=00' }, refusal);
      expect(failure).toBe(refusal);
      expect(lines).toEqual([expect.objectContaining({ level, ...fields })]);
      expect(JSON.stringify(lines)).not.toContain('t=1,v1=00');
    });

    it('answers a refused signature one way whatever the reason: the sender learns that it was refused, not why', async () => {
      const answers = [];
      for (const reason of ['MISSING', 'MALFORMED', 'STALE', 'MISMATCH'] as const) {
        const { failure } = await arriving(Buffer.from('{}'), {}, new InvalidSignatureError(reason));
        answers.push(new ProblemMapper(paymentErrorStatuses).map(failure).problem);
      }
      expect(answers[0]).toMatchObject({ status: 401, code: 'INVALID_SIGNATURE' });
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(JSON.stringify(answers)).not.toMatch(/MISSING|MALFORMED|STALE|MISMATCH/);
    });

    it('logs nothing of its own for an unexpected failure (the error filter does)', async () => {
      const broken = new Error('database away');
      const { failure, lines } = await arriving(Buffer.from('{}'), {}, broken);
      expect([failure, lines]).toEqual([broken, []]);
    });

    it.each<[string, unknown, string, RegExp]>([
      ['a success applied', { outcome: 'succeeded', paymentId, afterFailure: false }, 'info', /the payment succeeded/],
      ['a failure applied', { outcome: 'failed', paymentId, afterFailure: false }, 'info', /the payment failed/],
      [
        'a success after the payment had failed (the money moved after all)',
        { outcome: 'succeeded', paymentId, afterFailure: true },
        'warn',
        /FAILED payment succeeded .* after all/,
      ],
      ['a repeat', { outcome: 'duplicate', paymentId, afterFailure: false }, 'info', /repeated or late.*nothing changed/],
      ['a failure after the payment was settled', { outcome: 'ignored', paymentId, afterFailure: false }, 'info', /repeated or late.*nothing changed/],
    ])('logs %s by what it means, naming the payment', async (_case, result, level, message) => {
      const { lines } = await arriving(Buffer.from('{}'), {}, result);
      expect(levelsAndMessages(lines)).toEqual([{ level, msg: expect.stringMatching(message) }]);
      expect(lines[0]).toMatchObject({ paymentId });
    });
  });

  describe('the admins’ list', () => {
    const list = (nextCursor: string | null) => {
      const listPayments = recordingUseCase({ items: [{ paymentId }], nextCursor });
      return { listPayments, controller: new AdminPaymentsController(listPayments as never, {} as never) };
    };

    it('answers exactly the headers the route documents, with a relative Link keeping the page size and the status asked for', async () => {
      const { reply, headers } = capturingReply();
      const { listPayments, controller } = list('MTI');
      expect(await controller.list({ limit: '2', cursor: 'MTQ', status: 'REFUNDING' }, reply as never)).toEqual([{ paymentId }]);
      expect(listPayments.commands).toEqual([{ status: 'REFUNDING', cursor: 'MTQ', limit: 2 }]);
      expect(Object.keys(headers).sort()).toEqual(Object.keys(PAYMENT_ROUTES.listPaymentsForAdmin.responses[200].headers).sort());
      expect(headers).toEqual({ 'next-cursor': 'MTI', link: '<?status=REFUNDING&cursor=MTI&limit=2>; rel="next"' });
    });

    it('every status and the default page size when none was given, named in the Link', async () => {
      const { reply, headers } = capturingReply();
      const { listPayments, controller } = list('MQ');
      await controller.list({}, reply as never);
      expect(listPayments.commands).toEqual([{ cursor: null, limit: PAYMENT_LIST_LIMIT.default }]);
      expect(headers['link']).toBe(`<?cursor=MQ&limit=${PAYMENT_LIST_LIMIT.default}>; rel="next"`);
    });

    it('no paging header on the last page', async () => {
      const { reply, headers } = capturingReply();
      await list(null).controller.list({ limit: '5', status: 'FAILED' }, reply as never);
      expect(headers).toEqual({});
    });

    it('a refund retried now names the payment in its one spelling', async () => {
      const retry = recordingUseCase({ paymentId });
      await new AdminPaymentsController({} as never, retry as never).retryRefund({ paymentId: paymentId.toUpperCase() });
      expect(retry.commands).toEqual([{ paymentId }]);
    });
  });
});

/**
 * The controller behind the platform's one JSON body parser (the one every app installs), on a Fastify of
 * its own: the request it gets is one that parser read, so `rawBodyOf` answers what it really keeps.
 */
async function arriving(bytes: Buffer | undefined, headers: Record<string, string>, result: unknown) {
  const useCase = recordingUseCase(result);
  const { logger, lines } = capturingLogger({ service: 'payment' });
  const controller = new PaymentCallbackController(useCase as never, logger);
  const fastify = Fastify();
  installJsonBodyParser(fastify, 1024 * 1024);
  let failure: unknown;
  fastify.post('/payments/callback', async (request) => {
    try {
      return await controller.receive(request, request.headers[PAYMENT_SIGNATURE_HEADER] as string | undefined);
    } catch (error) {
      failure = error;
      return { failed: true };
    }
  });
  try {
    const response = await fastify.inject({
      method: 'POST',
      url: '/payments/callback',
      headers: { ...headers, ...(bytes === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(bytes === undefined ? {} : { payload: bytes }),
    });
    return { commands: useCase.commands, answer: failure === undefined ? (response.json() as unknown) : undefined, failure, lines };
  } finally {
    await fastify.close();
  }
}
