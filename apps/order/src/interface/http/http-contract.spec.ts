import { ORDER_LIST_LIMIT, ORDER_ROUTES, PRODUCT_LIST_LIMIT, orderContext, type PlaceOrderRequest } from '@shop/contracts';
import { ProblemMapper, servedRoutes, type ServedRoute } from '@shop/http';
import { DomainError } from '@shop/shared-kernel';
import { capturingReply, documentedCodes, recordingUseCase } from '@shop/testing';
import { describe, expect, it } from 'vitest';
import { orderHttpControllers } from '../order.controllers.js';
import { AdminOrdersController } from './admin-orders.controller.js';
import { AdminProductsController } from './admin-products.controller.js';
import { CatalogController } from './catalog.controller.js';
import { orderErrorStatuses } from './order.error-statuses.js';
import { OrdersController } from './orders.controller.js';

const identity = { userId: crypto.randomUUID(), roles: ['customer'] };
const orderId = crypto.randomUUID();
const pathOf = (route: { method: string; path: string }) => `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`;

describe('the order HTTP contract', () => {
  it('is served route for route, each with the access the contract declares (admin routes check the role themselves too)', () => {
    const declared = orderContext.routes.map((route) => ({ route: pathOf(route), access: route.access }));
    const byRoute = (a: Omit<ServedRoute, 'idempotent'>, b: Omit<ServedRoute, 'idempotent'>) => a.route.localeCompare(b.route);
    expect(
      servedRoutes(orderHttpControllers)
        .map(({ route, access }) => ({ route, access }))
        .sort(byRoute),
    ).toEqual(declared.sort(byRoute));
  });

  it('honours Idempotency-Key on exactly the routes whose summary says so: placing an order, which a retry would repeat', () => {
    const served = servedRoutes(orderHttpControllers)
      .filter((route) => route.idempotent)
      .map((route) => route.route);
    const declared = orderContext.routes.filter((route) => route.summary.includes('honours `Idempotency-Key`')).map(pathOf);
    expect(served.sort()).toEqual(declared.sort());
    expect(served).toEqual(['POST /orders']);
  });

  it('gives every problem code a route documents a status, and that status', () => {
    const ours = documentedCodes(ORDER_ROUTES).filter(({ code }) => code in orderErrorStatuses);
    expect(new Set(ours.map(({ code }) => code))).toEqual(new Set(Object.keys(orderErrorStatuses)));
    for (const { code, status } of ours) expect({ code, status: orderErrorStatuses[code] }).toEqual({ code, status });
  });

  it('maps only codes a route documents (no status for errors that only message handlers raise)', () => {
    const documented = new Set(documentedCodes(ORDER_ROUTES).map(({ code }) => code));
    expect(Object.keys(orderErrorStatuses).filter((code) => !documented.has(code))).toEqual([]);
  });

  describe('the paging headers of the three lists', () => {
    const page = (nextCursor: string | null) => ({ products: [{ sku: 'TEA' }], orders: [{ orderId }], nextCursor });
    const lists = [
      {
        route: ORDER_ROUTES.listProducts,
        defaultLimit: PRODUCT_LIST_LIMIT.default,
        call: (nextCursor: string | null, query: Record<string, string>, reply: unknown) => {
          const listProducts = recordingUseCase(page(nextCursor));
          const answer = new CatalogController(listProducts as never).list(query, reply as never);
          return { answer, commands: listProducts.commands, body: [{ sku: 'TEA' }] };
        },
        command: (cursor: string | null, limit: number) => ({ includeInactive: false, cursor, limit }),
      },
      {
        route: ORDER_ROUTES.listAllProducts,
        defaultLimit: PRODUCT_LIST_LIMIT.default,
        call: (nextCursor: string | null, query: Record<string, string>, reply: unknown) => {
          const listProducts = recordingUseCase(page(nextCursor));
          const answer = new AdminProductsController({} as never, {} as never, listProducts as never).list(query, reply as never);
          return { answer, commands: listProducts.commands, body: [{ sku: 'TEA' }] };
        },
        command: (cursor: string | null, limit: number) => ({ includeInactive: true, cursor, limit }),
      },
      {
        route: ORDER_ROUTES.listMyOrders,
        defaultLimit: ORDER_LIST_LIMIT.default,
        call: (nextCursor: string | null, query: Record<string, string>, reply: unknown) => {
          const listMyOrders = recordingUseCase(page(nextCursor));
          const controller = new OrdersController({} as never, {} as never, listMyOrders as never, {} as never, {} as never, {} as never);
          return { answer: controller.list(query, identity, reply as never), commands: listMyOrders.commands, body: [{ orderId }] };
        },
        command: (cursor: string | null, limit: number) => ({ userId: identity.userId, cursor, limit }),
      },
    ];

    it.each(lists)('$route.operationId: exactly the headers the route documents, with a relative Link keeping the page size asked for', async (list) => {
      const { reply, headers } = capturingReply();
      const { answer, commands, body } = list.call('MTI', { limit: '2', cursor: 'MTQ' }, reply);
      expect(await answer).toEqual(body);
      expect(commands).toEqual([list.command('MTQ', 2)]);
      expect(Object.keys(headers).sort()).toEqual(Object.keys(list.route.responses[200].headers).sort());
      expect(headers).toEqual({ 'next-cursor': 'MTI', link: '<?cursor=MTI&limit=2>; rel="next"' });
    });

    it.each(lists)('$route.operationId: the default page size asked for and named in the Link when none was given', async (list) => {
      const { reply, headers } = capturingReply();
      const { answer, commands } = list.call('MQ', {}, reply);
      await answer;
      expect(commands).toEqual([list.command(null, list.defaultLimit)]);
      expect(headers['link']).toBe(`<?cursor=MQ&limit=${list.defaultLimit}>; rel="next"`);
    });

    it.each(lists)('$route.operationId: no paging header on the last page', async (list) => {
      const { reply, headers } = capturingReply();
      const { answer, body } = list.call(null, { limit: '5' }, reply);
      expect(await answer).toEqual(body);
      expect(headers).toEqual({});
    });
  });

  describe('placing an order', () => {
    const body: PlaceOrderRequest = {
      items: [
        { sku: 'TEA-LONGJING-100G', quantity: 2 },
        { sku: 'GONE', quantity: 1 },
        { sku: 'MUG-CERAMIC', quantity: 1 },
        { sku: 'NEVER-SOLD', quantity: 3 },
      ],
    };
    const placing = (result: unknown) => {
      const placeOrder = recordingUseCase(result);
      return { placeOrder, controller: new OrdersController(placeOrder as never, {} as never, {} as never, {} as never, {} as never, {} as never) };
    };

    it('is for the signed-in customer, with no coupon and no points unless asked, a coupon id in its one spelling', async () => {
      const { placeOrder, controller } = placing({ orderId, status: 'AWAITING_PAYMENT' });
      expect(await controller.place(body, identity)).toEqual({ orderId, status: 'AWAITING_PAYMENT' });
      const couponId = crypto.randomUUID();
      await controller.place({ items: [{ sku: 'MUG-CERAMIC', quantity: 1 }], couponId: couponId.toUpperCase(), pointsToUse: 300 }, identity);
      expect(placeOrder.commands).toEqual([
        { userId: identity.userId, items: body.items, couponId: null, pointsToUse: 0 },
        { userId: identity.userId, items: [{ sku: 'MUG-CERAMIC', quantity: 1 }], couponId, pointsToUse: 300 },
      ]);
    });

    it.each(['UNKNOWN_SKU', 'DUPLICATE_SKU'])(
      'lets %s through as the use case refused (the error names `items` itself), answered with `errors` naming the skus',
      async (code) => {
        const refusal = new DomainError(code, 'not sold: GONE, NEVER-SOLD', { skus: ['GONE', 'NEVER-SOLD'], field: 'items' });
        // The same error object: the idempotency interceptor keeps a use case's refusal for a retry with the same key.
        await expect(placing(refusal).controller.place(body, identity)).rejects.toBe(refusal);
        expect(new ProblemMapper(orderErrorStatuses).map(refusal).problem).toEqual({
          status: orderErrorStatuses[code],
          code,
          detail: refusal.message,
          errors: [{ field: 'items', message: refusal.message }],
        });
      },
    );

    it('lets every other failure through as it is (the error map answers it)', async () => {
      const others = [new DomainError('POINTS_EXCEED_SUBTOTAL', 'too many', { pointsToUse: 9, subtotal: 1 }), new Error('broken')];
      for (const error of others) await expect(placing(error).controller.place(body, identity)).rejects.toBe(error);
    });
  });

  it('the order routes name the order by its id in lower case, the customer by the identity; the admin routes name the step', async () => {
    const view = { orderId };
    const [get, cancel, confirm, refund, advance] = [
      recordingUseCase(view),
      recordingUseCase(view),
      recordingUseCase(view),
      recordingUseCase(view),
      recordingUseCase(view),
    ];
    const orders = new OrdersController({} as never, get as never, {} as never, cancel as never, confirm as never, refund as never);
    const shouted = { orderId: orderId.toUpperCase() };
    for (const call of [orders.get, orders.cancel, orders.confirm, orders.refund]) expect(await call.call(orders, shouted, identity)).toBe(view);
    for (const useCase of [get, cancel, confirm, refund]) expect(useCase.commands).toEqual([{ orderId, userId: identity.userId }]);

    const admin = new AdminOrdersController(advance as never);
    await admin.accept(shouted);
    await admin.ship(shouted);
    await admin.deliver(shouted);
    expect(advance.commands).toEqual(['accept', 'ship', 'deliver'].map((step) => ({ orderId, step })));
  });

  it('an admin’s product update passes only the fields given', async () => {
    const update = recordingUseCase({ sku: 'TEA' });
    const create = recordingUseCase({ sku: 'TEA' });
    const controller = new AdminProductsController(create as never, update as never, {} as never);
    await controller.update({ sku: 'TEA' }, { price: 990 });
    await controller.update({ sku: 'TEA' }, { name: 'Tea', active: false });
    await controller.create({ sku: 'TEA', name: 'Tea', price: 100 });
    await controller.create({ sku: 'MUG', name: 'Mug', price: 100, active: false });
    expect(update.commands).toEqual([
      { sku: 'TEA', price: 990 },
      { sku: 'TEA', name: 'Tea', active: false },
    ]);
    expect(create.commands).toEqual([
      { sku: 'TEA', name: 'Tea', price: 100 },
      { sku: 'MUG', name: 'Mug', price: 100, active: false },
    ]);
  });
});
