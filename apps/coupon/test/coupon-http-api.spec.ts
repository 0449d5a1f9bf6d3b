// The coupon service as the gateway sees it: started on a free port, called over HTTP with the
// gateway's internal token (an admin, a customer, or nobody), on PostgreSQL + RabbitMQ and on
// SQLite + the in-memory transport. Every route, its refusals, and bad input that changes nothing.
import { randomUUID } from 'node:crypto';
import type { AdminCouponTemplate, ClaimCouponResponse, ClaimableCouponTemplate, CouponTemplateResponse, MyCoupon } from '@shop/contracts';
import type { Identity } from '@shop/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanups, expectNothingStored, expectProblem, json } from '@shop/testing';
import { SETUPS, CouponServiceHome, aCustomer, anAdmin, problemOf, type CouponApi, type RequestOptions } from './support/coupon-service-harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const inDays = (days: number): string => new Date(Date.now() + days * DAY_MS).toISOString();
/** One instant, for a window that starts and ends at the same time. */
const FIXED_INSTANT = '2030-06-01T00:00:00.000Z';

/** A valid template request; tests override what matters to them. */
const aTemplateRequest = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: `Spring sale ${randomUUID().slice(0, 8)}`,
  discount: { kind: 'amount_off', amountOff: 500, minSpend: 3000 },
  totalStock: 100,
  validity: { validDays: 30 },
  ...overrides,
});

/** The tables a request could write to: a refused request leaves every count as it was. */
const TABLES = ['coupon_template', 'coupon', 'coupon_claim_count', 'coupon_reservation', 'outbox'] as const;

describe.each(SETUPS)('the coupon service on %s', (setup) => {
  const cleanups = new Cleanups();
  let home: CouponServiceHome;
  let api: CouponApi;
  const admin = anAdmin();

  beforeAll(async () => {
    home = await CouponServiceHome.create(setup, cleanups);
    ({ api } = await home.start());
  });
  afterAll(() => cleanups.run());

  async function create(overrides: Record<string, unknown> = {}): Promise<CouponTemplateResponse> {
    return api.createTemplate<CouponTemplateResponse>(aTemplateRequest(overrides), admin);
  }

  const adminList = async (): Promise<AdminCouponTemplate[]> => json(await api.viaGateway('GET', '/admin/coupon-templates', { identity: admin }), 200);
  const adminView = async (templateId: string): Promise<AdminCouponTemplate | undefined> => (await adminList()).find((t) => t.templateId === templateId);
  const claimable = async (customer: Identity): Promise<ClaimableCouponTemplate[]> =>
    json(await api.viaGateway('GET', '/coupon-templates', { identity: customer }), 200);
  const myCoupons = async (customer: Identity, query = ''): Promise<MyCoupon[]> =>
    json(await api.viaGateway('GET', `/me/coupons${query}`, { identity: customer }), 200);
  const claimOk = async (templateId: string, customer: Identity): Promise<ClaimCouponResponse> => json(await api.claim(templateId, customer), 201);

  describe('templates', () => {
    it('creates an amount_off template (201) with every field answered and the defaults filled in', async () => {
      const body = aTemplateRequest({ name: '  Welcome 5 yuan off  ', totalStock: 250 });
      const response = await api.viaGateway('POST', '/admin/coupon-templates', { identity: admin, body });
      const template = await json<CouponTemplateResponse>(response, 201);
      expect(template).toEqual({
        templateId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Welcome 5 yuan off',
        discount: { kind: 'amount_off', amountOff: 500, minSpend: 3000 },
        totalStock: 250,
        perUserLimit: 1,
        validity: { validDays: 30 },
        claimStartsAt: null,
        claimEndsAt: null,
        grantOnRegister: false,
        status: 'ACTIVE',
        remainingStock: 250,
        createdAt: expect.any(String),
      });
      expect(Math.abs(Date.parse(template.createdAt) - Date.now())).toBeLessThan(5 * 60_000);
    });

    it('creates a percent_off template with a fixed validity and a claim window: maxOff null and minSpend 0 when not given', async () => {
      const validity = { validFrom: new Date(Date.now() - DAY_MS).toISOString(), validUntil: inDays(60) };
      const claimStartsAt = new Date(Date.now() - 60_000).toISOString();
      const claimEndsAt = inDays(7);
      const template = await create({
        discount: { kind: 'percent_off', percentOff: 15 },
        validity,
        claimStartsAt,
        claimEndsAt,
        perUserLimit: 3,
        grantOnRegister: true,
      });
      expect(template).toMatchObject({
        discount: { kind: 'percent_off', percentOff: 15, maxOff: null, minSpend: 0 },
        validity,
        claimStartsAt,
        claimEndsAt,
        perUserLimit: 3,
        grantOnRegister: true,
      });
    });

    it('goes create → listed with counts → paused (claims refused NOT_CLAIMABLE) → resumed → claimed → listed with the claim counted', async () => {
      const customer = aCustomer();
      const template = await create({ totalStock: 5, perUserLimit: 2 });
      expect(await adminView(template.templateId)).toEqual({ ...template, issued: 0, used: 0 });
      expect((await claimable(customer)).map((t) => t.templateId)).toContain(template.templateId);

      const paused = await api.viaGateway('POST', `/admin/coupon-templates/${template.templateId}/pause`, { identity: admin });
      expect(await json<CouponTemplateResponse>(paused, 200)).toEqual({ ...template, status: 'PAUSED' });
      // Pausing twice is no error: the template stays paused.
      const again = await api.viaGateway('POST', `/admin/coupon-templates/${template.templateId}/pause`, { identity: admin });
      expect((await json<CouponTemplateResponse>(again, 200)).status).toBe('PAUSED');
      expect((await claimable(customer)).map((t) => t.templateId)).not.toContain(template.templateId);
      await expectNothingStored(home, TABLES, async () => expectProblem(await api.claim(template.templateId, customer), 409, 'NOT_CLAIMABLE'));

      const resumed = await api.viaGateway('POST', `/admin/coupon-templates/${template.templateId}/resume`, { identity: admin });
      expect(await json<CouponTemplateResponse>(resumed, 200)).toEqual({ ...template, status: 'ACTIVE' });

      const claimed = await claimOk(template.templateId, customer);
      expect(claimed).toEqual({
        couponId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        templateId: template.templateId,
        status: 'AVAILABLE',
        validFrom: expect.any(String),
        validUntil: expect.any(String),
      });
      // Relative validity: 30 days from the claim.
      expect(Date.parse(claimed.validUntil) - Date.parse(claimed.validFrom)).toBe(30 * DAY_MS);

      expect(await adminView(template.templateId)).toEqual({ ...template, remainingStock: 4, issued: 1, used: 0 });
      const listedForCustomer = (await claimable(customer)).find((t) => t.templateId === template.templateId);
      expect(listedForCustomer).toEqual({
        templateId: template.templateId,
        name: template.name,
        discount: template.discount,
        perUserLimit: 2,
        validity: template.validity,
        claimEndsAt: null,
        remainingStock: 4,
      });

      const mine: MyCoupon = {
        couponId: claimed.couponId,
        templateId: template.templateId,
        name: template.name,
        discount: template.discount,
        status: 'AVAILABLE',
        validFrom: claimed.validFrom,
        validUntil: claimed.validUntil,
        orderId: null,
      };
      expect(await myCoupons(customer)).toEqual([mine]);
      expect(await myCoupons(customer, '?status=AVAILABLE')).toEqual([mine]);
      for (const status of ['LOCKED', 'USED', 'EXPIRED']) expect(await myCoupons(customer, `?status=${status}`)).toEqual([]);
    });

    it('lists my coupons newest first, as many as `limit` says', async () => {
      const customer = aCustomer();
      const template = await create({ perUserLimit: 3 });
      const first = await claimOk(template.templateId, customer);
      const second = await claimOk(template.templateId, customer);
      const third = await claimOk(template.templateId, customer);
      expect((await myCoupons(customer)).map((c) => c.couponId)).toEqual([third.couponId, second.couponId, first.couponId]);
      expect((await myCoupons(customer, '?limit=2&status=AVAILABLE')).map((c) => c.couponId)).toEqual([third.couponId, second.couponId]);
    });

    it('shows a coupon past its end as EXPIRED (and filters it so) before the expiry job moves it', async () => {
      const customer = aCustomer();
      const template = await create({ perUserLimit: 2 });
      const ended = await claimOk(template.templateId, customer);
      const running = await claimOk(template.templateId, customer);
      // Its window ended a day ago; the store still says AVAILABLE (no expiry job has run).
      const p = (n: number) => home.param(n);
      await home.query(`UPDATE coupon SET valid_from = ${p(1)}, valid_until = ${p(2)} WHERE id = ${p(3)}`, [
        Date.now() - 2 * DAY_MS,
        Date.now() - DAY_MS,
        ended.couponId,
      ]);

      const statusOf = (coupons: MyCoupon[]) => coupons.map((c) => [c.couponId, c.status]);
      expect(statusOf(await myCoupons(customer))).toEqual([
        [running.couponId, 'AVAILABLE'],
        [ended.couponId, 'EXPIRED'],
      ]);
      expect(statusOf(await myCoupons(customer, '?status=EXPIRED'))).toEqual([[ended.couponId, 'EXPIRED']]);
      expect(statusOf(await myCoupons(customer, '?status=AVAILABLE'))).toEqual([[running.couponId, 'AVAILABLE']]);
      const [stored] = await home.query<{ status: string }>(`SELECT status FROM coupon WHERE id = ${p(1)}`, [ended.couponId]);
      expect(stored?.status).toBe('AVAILABLE');
    });

    it('answers 200 to every one of many pauses and resumes of one template sent at once (each waits for the one before, none is refused as stale)', async () => {
      const template = await create();
      const moves = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'pause' : 'resume'));
      const answers = await Promise.all(
        moves.map(async (move) => {
          const response = await api.viaGateway('POST', `/admin/coupon-templates/${template.templateId}/${move}`, { identity: admin });
          return [move, response.status, response.status === 200 ? ((await response.json()) as CouponTemplateResponse).status : await response.text()];
        }),
      );
      expect(answers).toEqual(moves.map((move) => [move, 200, move === 'pause' ? 'PAUSED' : 'ACTIVE']));
    });

    it('lists templates newest first for admins', async () => {
      const older = await create();
      const newer = await create();
      const ids = (await adminList()).map((t) => t.templateId);
      expect(ids.indexOf(newer.templateId)).toBeLessThan(ids.indexOf(older.templateId));
    });
  });

  describe('claims refused: 409 with a code, nothing issued', () => {
    it('SOLD_OUT once the stock is gone, on every later claim too; the template is no longer listed as claimable', async () => {
      const template = await create({ totalStock: 2 });
      await claimOk(template.templateId, aCustomer());
      await claimOk(template.templateId, aCustomer());
      await expectNothingStored(home, TABLES, async () => {
        for (let i = 0; i < 3; i++) await expectProblem(await api.claim(template.templateId, aCustomer()), 409, 'SOLD_OUT');
      });
      expect(await adminView(template.templateId)).toMatchObject({ issued: 2, remainingStock: 0 });
      expect((await claimable(aCustomer())).map((t) => t.templateId)).not.toContain(template.templateId);
    });

    it('LIMIT_REACHED past the per-user limit, while other customers still get theirs', async () => {
      const template = await create({ perUserLimit: 2 });
      const greedy = aCustomer();
      await claimOk(template.templateId, greedy);
      await claimOk(template.templateId, greedy);
      await expectNothingStored(home, TABLES, async () => expectProblem(await api.claim(template.templateId, greedy), 409, 'LIMIT_REACHED'));
      await claimOk(template.templateId, aCustomer());
      expect(await myCoupons(greedy)).toHaveLength(2);
      expect(await adminView(template.templateId)).toMatchObject({ issued: 3 });
    });

    it('NOT_CLAIMABLE for an unknown template, before the claim window opens, after it closed and after a fixed validity ended', async () => {
      const notYet = await create({ claimStartsAt: inDays(1), claimEndsAt: inDays(2) });
      const closed = await create({ claimStartsAt: inDays(-2), claimEndsAt: inDays(-1) });
      const over = await create({ validity: { validFrom: inDays(-10), validUntil: inDays(-1) } });
      const customer = aCustomer();
      await expectNothingStored(home, TABLES, async () => {
        for (const templateId of [randomUUID(), notYet.templateId, closed.templateId, over.templateId]) {
          await expectProblem(await api.claim(templateId, customer), 409, 'NOT_CLAIMABLE');
        }
      });
      const listed = (await claimable(customer)).map((t) => t.templateId);
      for (const template of [notYet, closed, over]) expect(listed).not.toContain(template.templateId);
      expect(await myCoupons(customer)).toEqual([]);
    });

    it('NOT_CLAIMABLE (WELCOME_ONLY) for a grantOnRegister template, which the claimable list leaves out: its stock is for new sign-ups', async () => {
      const welcome = await create({ grantOnRegister: true, totalStock: 5 });
      const existing = aCustomer();
      await expectNothingStored(home, TABLES, async () => {
        const response = await api.claim(welcome.templateId, existing);
        const problem = await problemOf(response);
        expect([response.status, problem.code, problem.detail]).toEqual([409, 'NOT_CLAIMABLE', expect.stringContaining('WELCOME_ONLY')]);
      });
      expect((await claimable(existing)).map((t) => t.templateId)).not.toContain(welcome.templateId);
      expect(await adminView(welcome.templateId)).toMatchObject({ issued: 0, remainingStock: 5 });
    });
  });

  describe('Idempotency-Key on create', () => {
    it('answers a repeat with the stored template (Idempotent-Replayed), refuses the key with another body (422), and keys are per admin', async () => {
      const key = randomUUID();
      const body = aTemplateRequest();
      const send = (options: { body: unknown; identity?: Identity }) =>
        api.viaGateway('POST', '/admin/coupon-templates', { identity: options.identity ?? admin, body: options.body, headers: { 'idempotency-key': key } });

      const before = await home.count('coupon_template');
      const first = await json<CouponTemplateResponse>(await send({ body }), 201);
      const replay = await send({ body });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await json<CouponTemplateResponse>(replay, 201)).toEqual(first);
      expect(await home.count('coupon_template')).toBe(before + 1);

      await expectNothingStored(home, TABLES, async () => expectProblem(await send({ body: { ...body, totalStock: 101 } }), 422, 'IDEMPOTENCY_KEY_REUSED'));

      // Another admin's key of the same spelling is another request.
      const other = await json<CouponTemplateResponse>(await send({ body, identity: anAdmin() }), 201);
      expect(other.templateId).not.toBe(first.templateId);
      expect(await home.count('coupon_template')).toBe(before + 2);
    });
  });

  describe('Idempotency-Key on claim', () => {
    it('answers a retried claim with the first coupon (Idempotent-Replayed) instead of a second one, though the per-user limit would allow it', async () => {
      const template = await create({ perUserLimit: 2 });
      const other = await create({ perUserLimit: 2 });
      const customer = aCustomer();
      const key = randomUUID();
      const claim = (templateId: string, headers: Record<string, string> = { 'idempotency-key': key }, identity = customer) =>
        api.viaGateway('POST', `/coupon-templates/${templateId}/claim`, { identity, headers });

      const first = await json<ClaimCouponResponse>(await claim(template.templateId), 201);
      expect(first.templateId).toBe(template.templateId);
      await expectNothingStored(home, TABLES, async () => {
        const replay = await claim(template.templateId);
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(await json<ClaimCouponResponse>(replay, 201)).toEqual(first);
      });
      expect((await myCoupons(customer)).map((coupon) => coupon.couponId)).toEqual([first.couponId]);
      expect(await adminView(template.templateId)).toMatchObject({ issued: 1 });

      // The same key for another template is another request's key: refused, nothing claimed.
      await expectNothingStored(home, TABLES, async () => expectProblem(await claim(other.templateId), 422, 'IDEMPOTENCY_KEY_REUSED'));
      // Another key (or none) is another claim, up to the limit; another customer's key of the same spelling is theirs.
      const second = await json<ClaimCouponResponse>(await claim(template.templateId, { 'idempotency-key': randomUUID() }), 201);
      expect(second.couponId).not.toBe(first.couponId);
      await expectProblem(await claim(template.templateId, {}), 409, 'LIMIT_REACHED');
      expect((await json<ClaimCouponResponse>(await claim(template.templateId, { 'idempotency-key': key }, aCustomer()), 201)).couponId).not.toBe(
        first.couponId,
      );
      expect(await adminView(template.templateId)).toMatchObject({ issued: 3 });
    });
  });

  describe('who may call what', () => {
    const adminRoutes = (templateId: string) =>
      [
        ['POST', '/admin/coupon-templates', aTemplateRequest()],
        ['GET', '/admin/coupon-templates', undefined],
        ['POST', `/admin/coupon-templates/${templateId}/pause`, undefined],
        ['POST', `/admin/coupon-templates/${templateId}/resume`, undefined],
      ] as const;
    const customerRoutes = (templateId: string) =>
      [
        ['GET', '/coupon-templates', undefined],
        ['POST', `/coupon-templates/${templateId}/claim`, undefined],
        ['GET', '/me/coupons', undefined],
      ] as const;

    it('refuses a customer on every admin route: 403 FORBIDDEN, nothing changed (the template stays active)', async () => {
      const template = await create();
      await expectNothingStored(home, TABLES, async () => {
        for (const [method, path, body] of adminRoutes(template.templateId)) {
          const response = await api.viaGateway(method, path, { identity: aCustomer(), body });
          expect([path, response.status, (await problemOf(response)).code]).toEqual([path, 403, 'FORBIDDEN']);
        }
      });
      expect(await adminView(template.templateId)).toMatchObject({ status: 'ACTIVE' });
    });

    it('refuses an anonymous call on every route (401 UNAUTHENTICATED) and a call not from the gateway (401 NOT_FROM_GATEWAY)', async () => {
      const template = await create();
      await expectNothingStored(home, TABLES, async () => {
        for (const [method, path, body] of [...adminRoutes(template.templateId), ...customerRoutes(template.templateId)]) {
          const anonymous = await api.viaGateway(method, path, { body });
          expect([path, anonymous.status, (await problemOf(anonymous)).code]).toEqual([path, 401, 'UNAUTHENTICATED']);
          const direct = await api.direct(method, path, { body });
          expect([path, direct.status, (await problemOf(direct)).code]).toEqual([path, 401, 'NOT_FROM_GATEWAY']);
        }
      });
    });

    it("never shows someone else's coupons: the owner is the gateway's identity alone", async () => {
      const template = await create({ perUserLimit: 1 });
      const ada = aCustomer();
      const bob = aCustomer();
      const adas = await claimOk(template.templateId, ada);
      expect(await myCoupons(bob)).toEqual([]);
      for (const status of ['AVAILABLE', 'LOCKED', 'USED', 'EXPIRED']) expect(await myCoupons(bob, `?status=${status}`)).toEqual([]);
      // Asking for Ada's by a parameter is no way in: an unknown parameter is refused.
      await expectProblem(await api.viaGateway('GET', `/me/coupons?userId=${ada.userId}`, { identity: bob }), 400, 'VALIDATION_FAILED');
      const bobs = await claimOk(template.templateId, bob);
      expect((await myCoupons(bob)).map((c) => c.couponId)).toEqual([bobs.couponId]);
      expect((await myCoupons(ada)).map((c) => c.couponId)).toEqual([adas.couponId]);
    });
  });

  describe('bad input: a 4xx problem with a code, and nothing changed', () => {
    const withDiscount = (discount: unknown) => aTemplateRequest({ discount });
    const huge = '1' + '0'.repeat(30);

    it.each<[string, () => RequestOptions, number, string]>([
      ['malformed JSON', () => ({ rawBody: '{"name": "Sale", ' }), 400, 'MALFORMED_JSON'],
      ['a JSON array', () => ({ body: [aTemplateRequest()] }), 400, 'VALIDATION_FAILED'],
      ['a JSON null', () => ({ rawBody: 'null' }), 400, 'MALFORMED_JSON'],
      ['no body', () => ({}), 400, 'VALIDATION_FAILED'],
      ['a body that is not JSON', () => ({ rawBody: 'name=Sale', contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a body over 1 MiB', () => ({ rawBody: JSON.stringify(aTemplateRequest({ name: 'x'.repeat(1024 * 1024) })) }), 413, 'PAYLOAD_TOO_LARGE'],
      ['an unknown field', () => ({ body: aTemplateRequest({ issued: 0 }) }), 400, 'VALIDATION_FAILED'],
      ['an unknown field in the discount', () => ({ body: withDiscount({ kind: 'amount_off', amountOff: 500, percentOff: 10 }) }), 400, 'VALIDATION_FAILED'],
      [
        'an unknown field in the validity',
        () => ({ body: aTemplateRequest({ validity: { validDays: 30, validUntil: inDays(30) } }) }),
        400,
        'VALIDATION_FAILED',
      ],
      ['a missing name', () => ({ body: { ...aTemplateRequest(), name: undefined } }), 400, 'VALIDATION_FAILED'],
      ['a missing validity', () => ({ body: { ...aTemplateRequest(), validity: undefined } }), 400, 'VALIDATION_FAILED'],
      ['a negative stock', () => ({ body: aTemplateRequest({ totalStock: -1 }) }), 400, 'VALIDATION_FAILED'],
      ['a stock of 0', () => ({ body: aTemplateRequest({ totalStock: 0 }) }), 400, 'VALIDATION_FAILED'],
      ['a stock over 10 million', () => ({ body: aTemplateRequest({ totalStock: 10_000_001 }) }), 400, 'VALIDATION_FAILED'],
      [
        'a huge stock',
        () => ({ rawBody: JSON.stringify(aTemplateRequest({ totalStock: 1 })).replace('"totalStock":1', `"totalStock":${huge}`) }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a stock of 1e400 (Infinity)',
        () => ({ rawBody: JSON.stringify(aTemplateRequest({ totalStock: 1 })).replace('"totalStock":1', '"totalStock":1e400') }),
        400,
        'VALIDATION_FAILED',
      ],
      ['a fractional stock', () => ({ body: aTemplateRequest({ totalStock: 10.5 }) }), 400, 'VALIDATION_FAILED'],
      ['a stock as text', () => ({ body: aTemplateRequest({ totalStock: '100' }) }), 400, 'VALIDATION_FAILED'],
      ['a name as a number', () => ({ body: aTemplateRequest({ name: 42 }) }), 400, 'VALIDATION_FAILED'],
      ['an empty name', () => ({ body: aTemplateRequest({ name: '' }) }), 400, 'VALIDATION_FAILED'],
      ['a blank name', () => ({ body: aTemplateRequest({ name: '   ' }) }), 400, 'INVALID_COUPON_TEMPLATE'],
      ['a name of 101 characters', () => ({ body: aTemplateRequest({ name: 'n'.repeat(101) }) }), 400, 'VALIDATION_FAILED'],
      ['a name with a control character', () => ({ body: aTemplateRequest({ name: 'Sale\u0000' }) }), 400, 'INVALID_COUPON_TEMPLATE'],
      ['a per-user limit of 0', () => ({ body: aTemplateRequest({ perUserLimit: 0 }) }), 400, 'VALIDATION_FAILED'],
      ['a per-user limit of 101', () => ({ body: aTemplateRequest({ perUserLimit: 101 }) }), 400, 'VALIDATION_FAILED'],
      ['grantOnRegister as text', () => ({ body: aTemplateRequest({ grantOnRegister: 'yes' }) }), 400, 'VALIDATION_FAILED'],
      ['percent_off 0', () => ({ body: withDiscount({ kind: 'percent_off', percentOff: 0 }) }), 400, 'VALIDATION_FAILED'],
      ['percent_off 100', () => ({ body: withDiscount({ kind: 'percent_off', percentOff: 100 }) }), 400, 'VALIDATION_FAILED'],
      ['percent_off 12.5', () => ({ body: withDiscount({ kind: 'percent_off', percentOff: 12.5 }) }), 400, 'VALIDATION_FAILED'],
      ['percent_off with maxOff 0', () => ({ body: withDiscount({ kind: 'percent_off', percentOff: 10, maxOff: 0 }) }), 400, 'VALIDATION_FAILED'],
      ['amount_off 0', () => ({ body: withDiscount({ kind: 'amount_off', amountOff: 0 }) }), 400, 'VALIDATION_FAILED'],
      ['a negative amount_off', () => ({ body: withDiscount({ kind: 'amount_off', amountOff: -500 }) }), 400, 'VALIDATION_FAILED'],
      ['a huge amount_off', () => ({ body: withDiscount({ kind: 'amount_off', amountOff: 10_000_000_001 }) }), 400, 'VALIDATION_FAILED'],
      ['a negative minSpend', () => ({ body: withDiscount({ kind: 'amount_off', amountOff: 500, minSpend: -1 }) }), 400, 'VALIDATION_FAILED'],
      ['an amount in yuan with fen', () => ({ body: withDiscount({ kind: 'amount_off', amountOff: 5.5 }) }), 400, 'VALIDATION_FAILED'],
      ['a discount kind nobody knows', () => ({ body: withDiscount({ kind: 'fixed_price', price: 100 }) }), 400, 'VALIDATION_FAILED'],
      ['a discount without a kind', () => ({ body: withDiscount({ amountOff: 500 }) }), 400, 'VALIDATION_FAILED'],
      [
        'validFrom after validUntil',
        () => ({ body: aTemplateRequest({ validity: { validFrom: inDays(10), validUntil: inDays(5) } }) }),
        400,
        'INVALID_COUPON_TEMPLATE',
      ],
      [
        'validFrom equal to validUntil',
        () => ({ body: aTemplateRequest({ validity: { validFrom: FIXED_INSTANT, validUntil: FIXED_INSTANT } }) }),
        400,
        'INVALID_COUPON_TEMPLATE',
      ],
      ['a validity of 0 days', () => ({ body: aTemplateRequest({ validity: { validDays: 0 } }) }), 400, 'VALIDATION_FAILED'],
      ['a validity of 3651 days', () => ({ body: aTemplateRequest({ validity: { validDays: 3651 } }) }), 400, 'VALIDATION_FAILED'],
      ['an empty validity', () => ({ body: aTemplateRequest({ validity: {} }) }), 400, 'VALIDATION_FAILED'],
      [
        'a date that is not a date-time',
        () => ({ body: aTemplateRequest({ validity: { validFrom: 'today', validUntil: 'tomorrow' } }) }),
        400,
        'VALIDATION_FAILED',
      ],
      ['a date-time without a time zone', () => ({ body: aTemplateRequest({ claimStartsAt: '2030-01-01T00:00:00' }) }), 400, 'VALIDATION_FAILED'],
      ['a claim window reversed', () => ({ body: aTemplateRequest({ claimStartsAt: inDays(3), claimEndsAt: inDays(1) }) }), 400, 'INVALID_COUPON_TEMPLATE'],
      [
        'a claim window of no length',
        () => ({ body: aTemplateRequest({ claimStartsAt: FIXED_INSTANT, claimEndsAt: FIXED_INSTANT }) }),
        400,
        'INVALID_COUPON_TEMPLATE',
      ],
      [
        'a claim window opening after the validity ended',
        () => ({ body: aTemplateRequest({ validity: { validFrom: inDays(1), validUntil: inDays(2) }, claimStartsAt: inDays(3) }) }),
        400,
        'INVALID_COUPON_TEMPLATE',
      ],
    ])('create with %s: %i %s', async (_case, request, status, code) => {
      await expectNothingStored(home, TABLES, async () => {
        const response = await api.viaGateway('POST', '/admin/coupon-templates', { identity: admin, ...request() });
        await expectProblem(response, status, code);
      });
    });

    it('refuses a field problem with the field named', async () => {
      const response = await api.viaGateway('POST', '/admin/coupon-templates', { identity: admin, body: aTemplateRequest({ totalStock: -1 }) });
      expect((await problemOf(response)).errors?.map((error) => error.field)).toContain('totalStock');
    });

    /** The fields a problem names, each once (one field may break several rules). */
    const fieldsOf = (problem: { errors?: Array<{ field: string }> }) => [...new Set(problem.errors?.map((error) => error.field))];
    const badIds = ['not-a-uuid', '12345', `urn:uuid:${randomUUID()}`, `${randomUUID()}0`, `${randomUUID().slice(0, 35)}g`];

    it.each(['pause', 'resume'])('%s with a malformed id: 400 VALIDATION_FAILED naming templateId; an unknown id: 404 TEMPLATE_NOT_FOUND', async (action) => {
      await expectNothingStored(home, TABLES, async () => {
        for (const id of badIds) {
          const response = await api.viaGateway('POST', `/admin/coupon-templates/${encodeURIComponent(id)}/${action}`, { identity: admin });
          const problem = await problemOf(response);
          expect([id, response.status, problem.code, fieldsOf(problem)]).toEqual([id, 400, 'VALIDATION_FAILED', ['templateId']]);
        }
        await expectProblem(await api.viaGateway('POST', `/admin/coupon-templates/${randomUUID()}/${action}`, { identity: admin }), 404, 'TEMPLATE_NOT_FOUND');
      });
    });

    it('claim with a malformed id: 400 VALIDATION_FAILED naming templateId', async () => {
      await expectNothingStored(home, TABLES, async () => {
        for (const id of badIds) {
          const response = await api.claim(encodeURIComponent(id), aCustomer());
          const problem = await problemOf(response);
          expect([id, response.status, problem.code, fieldsOf(problem)]).toEqual([id, 400, 'VALIDATION_FAILED', ['templateId']]);
        }
      });
    });

    it.each([
      ['a status in lower case', '?status=available'],
      ['an unknown status', '?status=GONE'],
      ['an empty status', '?status='],
      ['two statuses', '?status=AVAILABLE&status=USED'],
      ['a limit of 0', '?limit=0'],
      ['a limit of 201', '?limit=201'],
      ['a negative limit', '?limit=-1'],
      ['a limit in exponent notation', '?limit=1e2'],
      ['a limit that is not a number', '?limit=ten'],
      ['a huge limit', `?limit=${huge}`],
      ['an unknown parameter', '?sort=oldest'],
    ])('my coupons with %s: 400 VALIDATION_FAILED', async (_case, query) => {
      await expectNothingStored(home, TABLES, async () =>
        expectProblem(await api.viaGateway('GET', `/me/coupons${query}`, { identity: aCustomer() }), 400, 'VALIDATION_FAILED'),
      );
    });

    it('answers an unknown route 404 NOT_FOUND', async () => {
      await expectProblem(await api.viaGateway('GET', '/coupons', { identity: aCustomer() }), 404, 'NOT_FOUND');
    });
  });
});
