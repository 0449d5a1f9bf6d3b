// Coupons end to end on the embedded defaults (`npm start`): the gateway and every context in this
// process, SQLite, in-memory transport. An administrator (SHOP_ADMIN_EMAIL / SHOP_ADMIN_PASSWORD)
// runs campaigns through the gateway; customers claim and list their coupons; a welcome template
// gives a newly registered user a coupon through user.registered.v1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminCouponTemplate, ClaimCouponResponse, CouponTemplateResponse, CreateCouponTemplateRequest, MyCoupon } from '@shop/contracts';
import { silentLogger } from '@shop/observability';
import { waitFor } from '@shop/testing';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../src/embedded-platform.js';
import { gatewayClient, type Answer } from './support/gateway-client.js';

const ADMIN = { email: 'root@shop.example', password: 'an admin passphrase' };

describe('coupons through the gateway, on the embedded platform', () => {
  let platform: EmbeddedPlatform;
  let dataDir: string;
  let adminToken: string;

  const { call, logIn, newCustomer } = gatewayClient(() => platform.apiUrl);

  const createTemplate = async (request: CreateCouponTemplateRequest): Promise<CouponTemplateResponse> => {
    const created = await call<CouponTemplateResponse>('POST', '/admin/coupon-templates', {
      body: request,
      token: adminToken,
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };

  const tenOff = (name: string, totalStock: number, extra: Partial<CreateCouponTemplateRequest> = {}): CreateCouponTemplateRequest => ({
    name,
    discount: { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 },
    totalStock,
    validity: { validDays: 30 },
    ...extra,
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-embedded-coupon-'));
    platform = await startEmbeddedPlatform({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      env: { RATE_LIMIT_PER_MINUTE: '0', SHOP_ADMIN_EMAIL: ADMIN.email, SHOP_ADMIN_PASSWORD: ADMIN.password },
      logger: silentLogger(),
    });
    adminToken = await logIn(ADMIN);
  }, 60_000);
  afterAll(async () => {
    await platform?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets an admin create a template, a customer claim it once and list the coupon; the second claim is LIMIT_REACHED', async () => {
    const template = await createTemplate(tenOff('Spring sale', 100));
    expect(template).toMatchObject({
      name: 'Spring sale',
      discount: { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 },
      totalStock: 100,
      perUserLimit: 1,
      validity: { validDays: 30 },
      grantOnRegister: false,
      status: 'ACTIVE',
      remainingStock: 100,
    });
    const customer = await newCustomer('ada');

    const claimable = await call<Array<{ templateId: string }>>('GET', '/coupon-templates', { token: customer.token });
    expect(claimable.status).toBe(200);
    expect(claimable.body.map((entry) => entry.templateId)).toContain(template.templateId);

    const claimed = await call<ClaimCouponResponse>('POST', `/coupon-templates/${template.templateId}/claim`, { token: customer.token });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(201);
    expect(claimed.body).toMatchObject({ templateId: template.templateId, status: 'AVAILABLE' });
    const validDays = (Date.parse(claimed.body.validUntil) - Date.parse(claimed.body.validFrom)) / 86_400_000;
    expect(validDays).toBe(30);

    const mine = await call<MyCoupon[]>('GET', '/me/coupons', { token: customer.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual([
      expect.objectContaining({
        couponId: claimed.body.couponId,
        templateId: template.templateId,
        name: 'Spring sale',
        discount: { kind: 'amount_off', amountOff: 1_000, minSpend: 5_000 },
        status: 'AVAILABLE',
        orderId: null,
      }),
    ]);
    expect((await call<MyCoupon[]>('GET', '/me/coupons?status=USED', { token: customer.token })).body).toEqual([]);

    const again = await call('POST', `/coupon-templates/${template.templateId}/claim`, { token: customer.token });
    expect(again.status).toBe(409);
    expect(again.contentType).toMatch(/application\/problem\+json/);
    expect(again.body.code).toBe('LIMIT_REACHED');
    expect((await call<MyCoupon[]>('GET', '/me/coupons', { token: customer.token })).body).toHaveLength(1);

    const listed = await call<AdminCouponTemplate[]>('GET', '/admin/coupon-templates', { token: adminToken });
    expect(listed.status).toBe(200);
    expect(listed.body.find((entry) => entry.templateId === template.templateId)).toMatchObject({ issued: 1, used: 0, remainingStock: 99 });
  });

  it('answers SOLD_OUT once the stock is gone, and another customer keeps the last coupon', async () => {
    const template = await createTemplate(tenOff('Last one', 1));
    const [first, second] = [await newCustomer('bea'), await newCustomer('cal')];
    expect((await call('POST', `/coupon-templates/${template.templateId}/claim`, { token: first.token })).status).toBe(201);
    const late = await call('POST', `/coupon-templates/${template.templateId}/claim`, { token: second.token });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('SOLD_OUT');
    expect((await call<MyCoupon[]>('GET', '/me/coupons', { token: second.token })).body).toEqual([]);
  });

  it('refuses a customer on the admin routes with 403, and creates nothing', async () => {
    const customer = await newCustomer('dan');
    const before = (await call<AdminCouponTemplate[]>('GET', '/admin/coupon-templates', { token: adminToken })).body.length;
    const create = await call('POST', '/admin/coupon-templates', { body: tenOff('Not mine to run', 5), token: customer.token });
    expect(create.status).toBe(403);
    expect(create.contentType).toMatch(/application\/problem\+json/);
    const list = await call('GET', '/admin/coupon-templates', { token: customer.token });
    expect(list.status).toBe(403);
    expect((await call<AdminCouponTemplate[]>('GET', '/admin/coupon-templates', { token: adminToken })).body).toHaveLength(before);
  });

  it('answers NOT_CLAIMABLE while a template is paused, and claims again once it is resumed', async () => {
    const template = await createTemplate(tenOff('Paused for a while', 10));
    const customer = await newCustomer('fay');
    const paused = await call<CouponTemplateResponse>('POST', `/admin/coupon-templates/${template.templateId}/pause`, { token: adminToken });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('PAUSED');
    const refused = await call('POST', `/coupon-templates/${template.templateId}/claim`, { token: customer.token });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('NOT_CLAIMABLE');
    expect((await call<Array<{ templateId: string }>>('GET', '/coupon-templates', { token: customer.token })).body.map((t) => t.templateId)).not.toContain(
      template.templateId,
    );
    expect((await call<CouponTemplateResponse>('POST', `/admin/coupon-templates/${template.templateId}/resume`, { token: adminToken })).body.status).toBe(
      'ACTIVE',
    );
    expect((await call('POST', `/coupon-templates/${template.templateId}/claim`, { token: customer.token })).status).toBe(201);
  });

  it('refuses bad templates, bad ids and bad queries with a 4xx problem+json, and changes nothing', async () => {
    const customer = await newCustomer('gil');
    const templatesBefore = (await call<AdminCouponTemplate[]>('GET', '/admin/coupon-templates', { token: adminToken })).body;
    const valid = tenOff('Bad input', 10);
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    const badTemplates: Array<readonly [string, unknown]> = [
      ['a negative stock', { ...valid, totalStock: -1 }],
      ['a stock of 0', { ...valid, totalStock: 0 }],
      ['a stock over 10 million', { ...valid, totalStock: 10_000_001 }],
      ['percent off 0', { ...valid, discount: { kind: 'percent_off', percentOff: 0 } }],
      ['percent off 100', { ...valid, discount: { kind: 'percent_off', percentOff: 100 } }],
      ['an unknown discount kind', { ...valid, discount: { kind: 'fixed_price', price: 100 } }],
      ['a huge amount off', { ...valid, discount: { kind: 'amount_off', amountOff: 1e15 } }],
      ['a fractional amount off', { ...valid, discount: { kind: 'amount_off', amountOff: 9.99 } }],
      ['an unknown field in the discount', { ...valid, discount: { kind: 'amount_off', amountOff: 100, currency: 'USD' } }],
      ['validFrom after validUntil', { ...valid, validity: { validFrom: inDays(10), validUntil: inDays(1) } }],
      ['validDays 0', { ...valid, validity: { validDays: 0 } }],
      ['a claim window that ends before it starts', { ...valid, claimStartsAt: inDays(3), claimEndsAt: inDays(1) }],
      ['a per-user limit of 0', { ...valid, perUserLimit: 0 }],
      ['a blank name', { ...valid, name: '   ' }],
      ['an unknown field "issued"', { ...valid, issued: 0 }],
    ];
    const refusals: Array<readonly [string, Answer<{ code?: string }>]> = [];
    for (const [what, body] of badTemplates) refusals.push([what, await call('POST', '/admin/coupon-templates', { body, token: adminToken })]);
    for (const query of ['?status=GONE', '?limit=0', '?limit=201', '?limit=ten'])
      refusals.push([`GET /me/coupons${query}`, await call('GET', `/me/coupons${query}`, { token: customer.token })]);
    refusals.push(['a claim on a malformed id', await call('POST', '/coupon-templates/not-a-uuid/claim', { token: customer.token })]);
    refusals.push(['pausing a malformed id', await call('POST', '/admin/coupon-templates/not-a-uuid/pause', { token: adminToken })]);
    for (const [what, answer] of refusals) {
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.contentType, what).toMatch(/application\/problem\+json/);
      expect(answer.body.code, what).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
    const unknown = await call('POST', `/coupon-templates/${randomUUID()}/claim`, { token: customer.token });
    expect([unknown.status, unknown.body.code]).toEqual([409, 'NOT_CLAIMABLE']);
    const pauseUnknown = await call('POST', `/admin/coupon-templates/${randomUUID()}/pause`, { token: adminToken });
    expect([pauseUnknown.status, pauseUnknown.body.code]).toEqual([404, 'TEMPLATE_NOT_FOUND']);

    expect((await call<AdminCouponTemplate[]>('GET', '/admin/coupon-templates', { token: adminToken })).body).toEqual(templatesBefore);
    expect((await call<MyCoupon[]>('GET', '/me/coupons', { token: customer.token })).body).toEqual([]);
  });

  it('gives a newly registered user a welcome coupon from a grantOnRegister template', async () => {
    const welcome = await createTemplate(tenOff('Welcome', 10, { grantOnRegister: true }));
    expect(welcome.grantOnRegister).toBe(true);
    const newcomer = await newCustomer('eve');
    const coupons = await waitFor(
      async () => {
        const mine = await call<MyCoupon[]>('GET', '/me/coupons', { token: newcomer.token });
        return mine.body.length > 0 ? mine.body : undefined;
      },
      { what: 'the welcome coupon', timeoutMs: 20_000 },
    );
    expect(coupons).toEqual([expect.objectContaining({ templateId: welcome.templateId, name: 'Welcome', status: 'AVAILABLE' })]);
    // Granted on registration only: nobody claims it, the newcomer included.
    const claim = await call('POST', `/coupon-templates/${welcome.templateId}/claim`, { token: newcomer.token });
    expect(claim.status).toBe(409);
    expect(claim.body.code).toBe('NOT_CLAIMABLE');
  });
});
