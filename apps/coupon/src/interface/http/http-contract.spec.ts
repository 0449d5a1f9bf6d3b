import { servedRoutes, type ServedRoute } from '@shop/http';
import { COUPON_ROUTES, couponContext } from '@shop/contracts';
import { documentedCodes } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { couponHttpControllers } from '../coupon.controllers.js';
import { couponErrorStatuses } from './coupon.error-statuses.js';

describe('the coupon HTTP contract', () => {
  it('is served route for route, each with the access the contract declares (admin routes check the role themselves too)', () => {
    const declared = couponContext.routes.map((route) => ({ route: `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`, access: route.access }));
    const byRoute = (a: Omit<ServedRoute, 'idempotent'>, b: Omit<ServedRoute, 'idempotent'>) => a.route.localeCompare(b.route);
    expect(
      servedRoutes(couponHttpControllers)
        .map(({ route, access }) => ({ route, access }))
        .sort(byRoute),
    ).toEqual(declared.sort(byRoute));
  });

  it('honours Idempotency-Key on exactly the routes whose summary says so (the claim and the create, which a retry would repeat)', () => {
    const served = servedRoutes(couponHttpControllers)
      .filter((route) => route.idempotent)
      .map((route) => route.route);
    const declared = couponContext.routes
      .filter((route) => route.summary.includes('honours `Idempotency-Key`'))
      .map((route) => `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`);
    expect(served.sort()).toEqual(declared.sort());
    expect(served).toContain('POST /coupon-templates/:templateId/claim');
  });

  it('gives every problem code a route documents a status, and that status', () => {
    const ours = documentedCodes(COUPON_ROUTES).filter(({ code }) => code in couponErrorStatuses);
    expect(ours.length).toBeGreaterThan(0);
    for (const { code, status } of ours) expect({ code, status: couponErrorStatuses[code] }).toEqual({ code, status });
  });

  it('maps only codes a route documents (no status for errors that only message handlers raise)', () => {
    const documented = new Set(documentedCodes(COUPON_ROUTES).map(({ code }) => code));
    // The contract's discount union admits only the kinds the domain knows: this is the domain's own check behind it.
    const behindTheSchema = ['UNKNOWN_DISCOUNT_KIND'];
    expect(Object.keys(couponErrorStatuses).filter((code) => !documented.has(code) && !behindTheSchema.includes(code))).toEqual([]);
  });
});
