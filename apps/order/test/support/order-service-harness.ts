import type { CreateProductRequest, OrderResponse, PlaceOrderRequest, PlaceOrderResponse, ProductResponse, UpdateProductRequest } from '@shop/contracts';
import type { Identity } from '@shop/http';
import { ContextApi, ContextServiceHome, anAdmin, type ContextUnderTest, type RunningContextService, type Setup } from '@shop/runtime/testing';
import type { Cleanups } from '@shop/testing';
import { loadOrderConfig, startOrderService, type OrderConfig } from '../../src/main.js';

export { SETUPS, aCustomer, anAdmin, envelopeOf, problemOf, type Problem, type RequestOptions, type Setup } from '@shop/runtime/testing';

export const INTERNAL_AUTH_SECRET = 'the-order-tests-internal-secret-of-32-bytes';
/** `/metrics` answers only this bearer token (`METRICS_TOKEN`). */
export const METRICS_TOKEN = 'the-order-tests-metrics-token';

/**
 * The service's configuration as its variables would give it (`ORDER_RESERVATION_TIMEOUT`,
 * `ORDER_PAYMENT_TIMEOUT`, `ORDER_TIMEOUT_SCAN_INTERVAL_MS`, `ORDER_TIMEOUT_BATCH_SIZE`,
 * `ORDER_DEMO_CATALOG`), e.g. `testOrderConfig({ ORDER_RESERVATION_TIMEOUT: '1s' })`.
 */
export function testOrderConfig(env: NodeJS.ProcessEnv = {}): OrderConfig {
  return loadOrderConfig(env);
}

/** A started instance of the service, with its HTTP client. */
export type RunningOrderService = RunningContextService<OrderApi>;

/** `?cursor=…&limit=…` of the given ones, or ''. */
export function queryOf(page: { cursor?: string; limit?: number | string } = {}): string {
  const parameters = new URLSearchParams();
  if (page.cursor !== undefined) parameters.set('cursor', page.cursor);
  if (page.limit !== undefined) parameters.set('limit', String(page.limit));
  const query = parameters.toString();
  return query === '' ? '' : `?${query}`;
}

/**
 * Calls one order instance over HTTP, either as the gateway forwards a call or straight past it. One
 * method per route of `ORDER_ROUTES` answering the raw response (named for the route's operationId), and
 * a few that read the answer and throw unless it is the expected success (`addProduct`, `place`, `order`).
 * Admin routes default to a fresh admin identity.
 */
export class OrderApi extends ContextApi {
  constructor(url: string) {
    super(url, 'order', INTERNAL_AUTH_SECRET, METRICS_TOKEN);
  }

  /** POST /admin/products. */
  createProduct(body: unknown, admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('POST', '/admin/products', { identity: admin, body });
  }

  /** PATCH /admin/products/{sku} (`sku` as written: encode it yourself to send something odd). */
  updateProduct(sku: string, body: unknown, admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('PATCH', `/admin/products/${sku}`, { identity: admin, body });
  }

  /** GET /admin/products (active and inactive, by sku), with `query` as written (`?cursor=…&limit=…`, or ''). */
  listAllProducts(query = '', admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('GET', `/admin/products${query}`, { identity: admin });
  }

  /** GET /products (active only, by sku) for `customer`, with `query` as written. */
  listProducts(customer: Identity, query = ''): Promise<Response> {
    return this.viaGateway('GET', `/products${query}`, { identity: customer });
  }

  /** POST /orders for `customer`, with an `Idempotency-Key` when given. */
  placeOrder(customer: Identity, body: unknown, options: { idempotencyKey?: string } = {}): Promise<Response> {
    const headers = options.idempotencyKey === undefined ? undefined : { 'idempotency-key': options.idempotencyKey };
    return this.viaGateway('POST', '/orders', { identity: customer, body, headers });
  }

  /** GET /orders/{orderId} for `customer`. */
  getOrder(customer: Identity, orderId: string): Promise<Response> {
    return this.viaGateway('GET', `/orders/${orderId}`, { identity: customer });
  }

  /** GET /orders (newest first) for `customer`, with `query` as written. */
  listMyOrders(customer: Identity, query = ''): Promise<Response> {
    return this.viaGateway('GET', `/orders${query}`, { identity: customer });
  }

  /** POST /orders/{orderId}/cancel for `customer`. */
  cancelOrder(customer: Identity, orderId: string): Promise<Response> {
    return this.viaGateway('POST', `/orders/${orderId}/cancel`, { identity: customer });
  }

  /** POST /orders/{orderId}/confirm-receipt for `customer`. */
  confirmReceipt(customer: Identity, orderId: string): Promise<Response> {
    return this.viaGateway('POST', `/orders/${orderId}/confirm-receipt`, { identity: customer });
  }

  /** POST /orders/{orderId}/refund for `customer`. */
  requestRefund(customer: Identity, orderId: string): Promise<Response> {
    return this.viaGateway('POST', `/orders/${orderId}/refund`, { identity: customer });
  }

  /** POST /admin/orders/{orderId}/accept. */
  acceptOrder(orderId: string, admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('POST', `/admin/orders/${orderId}/accept`, { identity: admin });
  }

  /** POST /admin/orders/{orderId}/ship. */
  shipOrder(orderId: string, admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('POST', `/admin/orders/${orderId}/ship`, { identity: admin });
  }

  /** POST /admin/orders/{orderId}/deliver. */
  deliverOrder(orderId: string, admin: Identity = anAdmin()): Promise<Response> {
    return this.viaGateway('POST', `/admin/orders/${orderId}/deliver`, { identity: admin });
  }

  /** Creates a product as an admin; throws unless 201. */
  async addProduct(body: CreateProductRequest, admin: Identity = anAdmin()): Promise<ProductResponse> {
    return expectJson<ProductResponse>(await this.createProduct(body, admin), 201, 'createProduct');
  }

  /** Changes a product as an admin; throws unless 200. */
  async changeProduct(sku: string, body: UpdateProductRequest, admin: Identity = anAdmin()): Promise<ProductResponse> {
    return expectJson<ProductResponse>(await this.updateProduct(sku, body, admin), 200, 'updateProduct');
  }

  /** Places an order for `customer`; throws unless 202. */
  async place(customer: Identity, body: PlaceOrderRequest, options: { idempotencyKey?: string } = {}): Promise<PlaceOrderResponse> {
    return expectJson<PlaceOrderResponse>(await this.placeOrder(customer, body, options), 202, 'placeOrder');
  }

  /** The order as `customer` sees it; throws unless 200. */
  async order(customer: Identity, orderId: string): Promise<OrderResponse> {
    return expectJson<OrderResponse>(await this.getOrder(customer, orderId), 200, 'getOrder');
  }

  /** Every product of the catalog as an admin sees it (active and inactive), following the cursor page by page; throws unless 200. */
  async allProducts(admin: Identity = anAdmin()): Promise<ProductResponse[]> {
    const products: ProductResponse[] = [];
    let cursor: string | undefined;
    do {
      const response = await this.listAllProducts(queryOf({ cursor, limit: 100 }), admin);
      products.push(...(await expectJson<ProductResponse[]>(response, 200, 'listAllProducts')));
      cursor = response.headers.get('next-cursor') ?? undefined;
    } while (cursor !== undefined);
    return products;
  }
}

async function expectJson<T>(response: Response, status: number, route: string): Promise<T> {
  if (response.status !== status) throw new Error(`${route} answered ${response.status}, not ${status}: ${await response.text()}`);
  return (await response.json()) as T;
}

const ORDER: ContextUnderTest<OrderConfig, OrderApi> = {
  service: 'order',
  start: startOrderService,
  defaultConfig: () => testOrderConfig(),
  api: (url) => new OrderApi(url),
  internalAuthSecret: INTERNAL_AUTH_SECRET,
  metricsToken: METRICS_TOKEN,
};

/**
 * One order service "deployment" for a test (`ContextServiceHome`): one database and one broker shared
 * by every instance started on them, its queue `order.events`.
 *
 *     const home = await OrderServiceHome.create('postgres+amqp', cleanups);
 *     const [a, b] = await home.startInstances(2, testOrderConfig({ ORDER_RESERVATION_TIMEOUT: '1s' }));
 *     const events = await home.listen([OrderPlacedV1.type, OrderCancelledV1.type]);
 *     await a.api.addProduct({ sku: 'TEA', name: 'Tea', price: 8800 });
 *     const { orderId } = await a.api.place(aCustomer(userId), { items: [{ sku: 'TEA', quantity: 2 }] });
 *     await home.deliver(envelopeOf(PaymentSucceededV1, { ... }, { aggregateId: orderId })); // published and handled
 *     await home.count('orders', `status = ${home.param(1)}`, ['PAID']);
 */
export class OrderServiceHome extends ContextServiceHome<OrderConfig, OrderApi> {
  static async create(setup: Setup, cleanups: Cleanups): Promise<OrderServiceHome> {
    return new OrderServiceHome(ORDER, await ContextServiceHome.place('order', setup, cleanups), cleanups);
  }
}
