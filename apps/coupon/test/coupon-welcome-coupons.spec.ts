// Welcome coupons: on user.registered.v1 every active grantOnRegister campaign claimable now grants
// the new user one coupon, once however often the registration is delivered, never beyond its stock
// (a sold-out campaign is skipped and logged; the message is still handled). The user context is
// played by the test, publishing the contract event to the broker. On PostgreSQL + RabbitMQ and on
// SQLite + the in-memory transport.
import { randomUUID } from 'node:crypto';
import { UserRegisteredV1, type AdminCouponTemplate, type CouponTemplateResponse, type EventEnvelope, type MyCoupon } from '@shop/contracts';
import { createLogger } from '@shop/observability';
import { Cleanups } from '@shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUPS, CouponServiceHome, aCustomer, anAdmin, envelopeOf, type CouponApi } from './support/coupon-service-harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;

interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly [field: string]: unknown;
}

describe.each(SETUPS)('welcome coupons on %s', (setup) => {
  const cleanups = new Cleanups();
  const admin = anAdmin();
  const logs: LogLine[] = [];
  let home: CouponServiceHome;
  let api: CouponApi;
  const campaigns: Record<'plenty' | 'single' | 'ordinary' | 'paused' | 'later', CouponTemplateResponse> = {} as never;

  const create = (overrides: Record<string, unknown>) =>
    api.createTemplate<CouponTemplateResponse>(
      {
        name: `Welcome ${randomUUID().slice(0, 8)}`,
        discount: { kind: 'amount_off', amountOff: 1000 },
        totalStock: 100,
        validity: { validDays: 14 },
        ...overrides,
      },
      admin,
    );

  beforeAll(async () => {
    home = await CouponServiceHome.create(setup, cleanups);
    // The service's own log, kept to see what it says about the grants it skipped.
    const logger = createLogger('coupon', { level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    ({ api } = await home.start(undefined, { logger }));
    campaigns.plenty = await create({ grantOnRegister: true });
    campaigns.single = await create({ grantOnRegister: true, totalStock: 1, discount: { kind: 'percent_off', percentOff: 10, maxOff: 3000 } });
    campaigns.ordinary = await create({ grantOnRegister: false });
    campaigns.paused = await create({ grantOnRegister: true });
    campaigns.later = await create({ grantOnRegister: true, claimStartsAt: new Date(Date.now() + DAY_MS).toISOString() });
    const paused = await api.viaGateway('POST', `/admin/coupon-templates/${campaigns.paused.templateId}/pause`, { identity: admin });
    expect(paused.status).toBe(200);
  });
  afterAll(() => cleanups.run());

  const registered = (userId: string): EventEnvelope<UserRegisteredV1> =>
    envelopeOf(
      UserRegisteredV1,
      { userId, email: `new.${userId.slice(0, 8)}@shop.example`, nickname: null, registeredAt: new Date().toISOString() },
      { aggregateId: userId, source: 'user' },
    );

  async function templatesOfCouponsOf(userId: string): Promise<string[]> {
    const response = await api.viaGateway('GET', '/me/coupons', { identity: aCustomer(userId) });
    expect(response.status).toBe(200);
    return ((await response.json()) as MyCoupon[]).map((coupon) => coupon.templateId).sort();
  }

  async function adminView(templateId: string): Promise<AdminCouponTemplate> {
    const response = await api.viaGateway('GET', '/admin/coupon-templates', { identity: admin });
    const template = ((await response.json()) as AdminCouponTemplate[]).find((t) => t.templateId === templateId);
    if (!template) throw new Error(`template ${templateId} not listed`);
    return template;
  }

  it('grants one coupon of every active welcome campaign claimable now, once, however often the registration arrives', async () => {
    const userId = randomUUID();
    const first = registered(userId);
    // The same message twice, and the registration again under another id (as a replayed outbox row would be).
    await home.deliverTwice(first);

    expect(await templatesOfCouponsOf(userId)).toEqual([campaigns.plenty.templateId, campaigns.single.templateId].sort());
    expect(await home.count('coupon', `user_id = ${home.param(1)} AND grant_key IS NOT NULL`, [userId])).toBe(2);
    expect(await adminView(campaigns.single.templateId)).toMatchObject({ issued: 1, remainingStock: 0 });
    // Not a saga answer: the grant announces nothing to other contexts.
    expect(await home.count('outbox')).toBe(0);
  });

  it('skips a sold-out campaign, says so in the log, and still grants the others; the message is handled, not failed', async () => {
    const userId = randomUUID();
    await home.deliver(registered(userId));

    expect(await templatesOfCouponsOf(userId)).toEqual([campaigns.plenty.templateId]);
    expect(await adminView(campaigns.single.templateId)).toMatchObject({ issued: 1, remainingStock: 0 });
    const skipped = logs.filter((line) => line.msg === 'welcome coupon not granted' && line['userId'] === userId);
    expect(skipped).toEqual([expect.objectContaining({ templateId: campaigns.single.templateId, reason: 'SOLD_OUT', level: 40 })]);
  });

  it('never grants beyond the stock when many register at once', async () => {
    const scarce = await create({ grantOnRegister: true, totalStock: 5 });
    const userIds = Array.from({ length: 20 }, () => randomUUID());
    await home.deliver(...userIds.map(registered));

    expect(await home.count('coupon', `template_id = ${home.param(1)}`, [scarce.templateId])).toBe(5);
    expect(await adminView(scarce.templateId)).toMatchObject({ issued: 5, remainingStock: 0 });
    // Everybody got the plentiful one, whether or not the scarce one was left for them.
    for (const userId of userIds) expect(await templatesOfCouponsOf(userId)).toContain(campaigns.plenty.templateId);
  });
});
