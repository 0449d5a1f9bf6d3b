import { MAX_FEN } from '@shop/shared-kernel';
import Type, { type Static } from 'typebox';
import type { HttpRouteDefinition } from '../http-route.js';
import { PAGED_HEADERS, PAGED_SUMMARY, badListQuery, pagedListQuery } from '../paging.js';
import { ORDER_CANCEL_REASONS, ORDER_STATUSES } from './order.events.js';

/**
 * The order routes of the HTTP contract (DESIGN.md section 7): the catalog, placing and following orders,
 * and the admin's fulfilment steps. Request bodies refuse unknown fields, so a client cannot send a price:
 * every price comes from the catalog. Each `title` names the OpenAPI component. Money is integer fen;
 * instants are ISO date-times.
 */

const uuid = () => Type.String({ format: 'uuid' });
const instant = () => Type.String({ format: 'date-time' });
const fen = () => Type.Integer({ minimum: 0, maximum: MAX_FEN });

/** A product's stock-keeping unit: upper-case letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters. */
export const SKU_PATTERN = '^[A-Z0-9][A-Z0-9._-]{0,63}$';
export const Sku = Type.String({ pattern: SKU_PATTERN, description: 'Upper-case letters, digits, `.`, `_` and `-`; 1-64 characters' });

/** The bounds of one order: lines, quantity per line, and the points it may ask to use. */
export const ORDER_LIMITS = { maxLines: 50, maxQuantity: 99, maxPointsToUse: MAX_FEN } as const;
/** A product's price, in fen: at least 1 fen, at most a million yuan. */
export const PRODUCT_PRICE = { min: 1, max: 100_000_000 } as const;

const productName = () => Type.String({ minLength: 1, maxLength: 200 });
const productPrice = () => Type.Integer({ minimum: PRODUCT_PRICE.min, maximum: PRODUCT_PRICE.max });

export const CreateProductRequest = Type.Object(
  {
    sku: Sku,
    name: productName(),
    price: productPrice(),
    /** true when omitted. */
    active: Type.Optional(Type.Boolean()),
  },
  { title: 'CreateProductRequest', additionalProperties: false },
);
export type CreateProductRequest = Static<typeof CreateProductRequest>;

/** What to change; the sku never changes (orders name products by it). */
export const UpdateProductRequest = Type.Object(
  {
    name: Type.Optional(productName()),
    price: Type.Optional(productPrice()),
    active: Type.Optional(Type.Boolean()),
  },
  { title: 'UpdateProductRequest', additionalProperties: false, minProperties: 1 },
);
export type UpdateProductRequest = Static<typeof UpdateProductRequest>;

export const ProductResponse = Type.Object(
  {
    productId: uuid(),
    sku: Type.String(),
    name: Type.String(),
    price: Type.Integer(),
    active: Type.Boolean(),
    createdAt: instant(),
    updatedAt: instant(),
  },
  { title: 'ProductResponse' },
);
export type ProductResponse = Static<typeof ProductResponse>;

export const ProductList = Type.Array(ProductResponse, { title: 'ProductList' });
export type ProductList = Static<typeof ProductList>;

/** The longest page cursor this service gives (base64url of an order's or a product's keys). */
const MAX_CURSOR_LENGTH = 200;

/** The most products one page lists, and how many when `limit` is not given. */
export const PRODUCT_LIST_LIMIT = { max: 100, default: 50 } as const;

export const ProductListQuery = pagedListQuery('ProductListQuery', PRODUCT_LIST_LIMIT, MAX_CURSOR_LENGTH);
export type ProductListQuery = Static<typeof ProductListQuery>;

export const PlaceOrderRequest = Type.Object(
  {
    /** Each sku once (a repeated sku is refused, not merged); prices are the catalog's, never the client's. */
    items: Type.Array(Type.Object({ sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: ORDER_LIMITS.maxQuantity }) }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: ORDER_LIMITS.maxLines,
    }),
    couponId: Type.Optional(uuid()),
    /** 0 when omitted; 1 point takes 1 fen off, at most the subtotal. */
    pointsToUse: Type.Optional(Type.Integer({ minimum: 0, maximum: ORDER_LIMITS.maxPointsToUse })),
  },
  { title: 'PlaceOrderRequest', additionalProperties: false },
);
export type PlaceOrderRequest = Static<typeof PlaceOrderRequest>;

/** `AWAITING_PAYMENT` at once when the order asks for no coupon and no points (nothing to reserve), else `PENDING`. */
export const PlaceOrderResponse = Type.Object({ orderId: uuid(), status: Type.Enum(['PENDING', 'AWAITING_PAYMENT']) }, { title: 'PlaceOrderResponse' });
export type PlaceOrderResponse = Static<typeof PlaceOrderResponse>;

export const OrderResponse = Type.Object(
  {
    orderId: uuid(),
    userId: uuid(),
    status: Type.Enum(ORDER_STATUSES),
    items: Type.Array(Type.Object({ sku: Type.String(), name: Type.String(), quantity: Type.Integer(), unitPrice: Type.Integer(), lineTotal: Type.Integer() })),
    subtotal: fen(),
    couponId: Type.Union([uuid(), Type.Null()]),
    /**
     * What the coupon takes off, as the coupon service reserved it: 0 until then. Kept as reserved: on a
     * cancelled order the coupon was released again, and the figure still shows what was held.
     */
    couponDiscount: fen(),
    pointsToUse: fen(),
    /**
     * The points reserved for the order (its `pointsToUse`, once the points service froze them): 0 until
     * then. Kept as reserved: on a cancelled order they were released again, and the figure still shows what was held.
     */
    pointsUsed: fen(),
    /** subtotal − couponDiscount − pointsUsed; null until every reservation is in. */
    payable: Type.Union([fen(), Type.Null()]),
    cancelReason: Type.Union([Type.Enum(ORDER_CANCEL_REASONS), Type.Null()]),
    /** The payment that paid the order; null until then. */
    paymentId: Type.Union([uuid(), Type.Null()]),
    amountPaid: Type.Union([fen(), Type.Null()]),
    /** Until when the order waits for its payment; null before it awaits one. */
    paymentDueAt: Type.Union([instant(), Type.Null()]),
    placedAt: instant(),
    updatedAt: instant(),
    /** Every status the order went through, oldest first. */
    history: Type.Array(Type.Object({ status: Type.Enum(ORDER_STATUSES), at: instant(), reason: Type.Union([Type.String(), Type.Null()]) })),
  },
  { title: 'OrderResponse' },
);
export type OrderResponse = Static<typeof OrderResponse>;

export const OrderList = Type.Array(OrderResponse, { title: 'OrderList' });
export type OrderList = Static<typeof OrderList>;

/** The most orders one page lists, and how many when `limit` is not given. */
export const ORDER_LIST_LIMIT = { max: 100, default: 20 } as const;

export const OrderListQuery = pagedListQuery('OrderListQuery', ORDER_LIST_LIMIT, MAX_CURSOR_LENGTH);
export type OrderListQuery = Static<typeof OrderListQuery>;

const INVALID_ORDER_ID = { description: '`VALIDATION_FAILED`: `orderId` is not a UUID', problem: true } as const;
const ORDER_NOT_FOUND = { description: '`ORDER_NOT_FOUND`: no order of yours has this id', problem: true } as const;
const ADMIN_ORDER_NOT_FOUND = { description: '`ORDER_NOT_FOUND`: no order has this id', problem: true } as const;
const invalidState = (from: string) => ({ description: `\`INVALID_STATE\`: the order is not ${from}`, problem: true }) as const;

/** The order service's routes, by a name for its own code. */
export const ORDER_ROUTES = {
  createProduct: {
    operationId: 'createProduct',
    method: 'POST',
    path: '/admin/products',
    access: 'admin',
    tag: 'catalog',
    summary: 'Add a product to the catalog',
    requestBody: CreateProductRequest,
    requestExample: { sku: 'TEA-LONGJING-100G', name: 'Longjing green tea, 100 g', price: 8_800 } satisfies CreateProductRequest,
    responses: {
      201: { description: 'The product', schema: ProductResponse },
      400: {
        description: '`VALIDATION_FAILED` (with `errors`): a sku not in upper case, an empty name, a price outside 1-100000000 fen, an unknown field',
        problem: true,
      },
      409: { description: '`SKU_TAKEN`: a product has this sku', problem: true },
    },
  },
  updateProduct: {
    operationId: 'updateProduct',
    method: 'PATCH',
    path: '/admin/products/{sku}',
    access: 'admin',
    tag: 'catalog',
    summary: "Change a product's name, price or active flag (orders already placed keep the price they were placed at)",
    requestBody: UpdateProductRequest,
    requestExample: { price: 9_200, active: true } satisfies UpdateProductRequest,
    responses: {
      200: { description: 'The product, changed', schema: ProductResponse },
      400: { description: '`VALIDATION_FAILED` (with `errors`): a malformed sku, nothing to change, a value out of bounds, an unknown field', problem: true },
      404: { description: '`PRODUCT_NOT_FOUND`: no product has this sku', problem: true },
    },
  },
  listAllProducts: {
    operationId: 'listAllProducts',
    method: 'GET',
    path: '/admin/products',
    access: 'admin',
    tag: 'catalog',
    summary: `Every product of the catalog, active or not, by sku, ${PAGED_SUMMARY}`,
    query: ProductListQuery,
    responses: {
      200: { description: 'A page of products, by sku', schema: ProductList, headers: PAGED_HEADERS },
      400: badListQuery(PRODUCT_LIST_LIMIT),
    },
  },
  listProducts: {
    operationId: 'listProducts',
    method: 'GET',
    path: '/products',
    access: 'user',
    tag: 'catalog',
    summary: `The products that can be ordered, by sku, ${PAGED_SUMMARY}`,
    query: ProductListQuery,
    responses: {
      200: { description: 'A page of active products, by sku', schema: ProductList, headers: PAGED_HEADERS },
      400: badListQuery(PRODUCT_LIST_LIMIT),
    },
  },
  placeOrder: {
    operationId: 'placeOrder',
    method: 'POST',
    path: '/orders',
    access: 'user',
    tag: 'orders',
    summary:
      'Place an order priced from the catalog, optionally with a coupon and points; honours `Idempotency-Key`. The coupon and the points are reserved afterwards (follow the order with `GET /orders/{orderId}`)',
    requestBody: PlaceOrderRequest,
    requestExample: {
      items: [
        { sku: 'TEA-LONGJING-100G', quantity: 2 },
        { sku: 'MUG-CERAMIC', quantity: 1 },
      ],
      couponId: '3f1c6a4e-8b2d-4c1e-9a7f-2d5b8e0c4a61',
      pointsToUse: 500,
    } satisfies PlaceOrderRequest,
    responses: {
      202: {
        description: 'The order is placed: PENDING while its reservations are under way, AWAITING_PAYMENT when it needs none',
        schema: PlaceOrderResponse,
      },
      400: {
        description:
          '`VALIDATION_FAILED` (with `errors`): no items, a quantity outside 1-99, over 50 lines, a price sent, …; `DUPLICATE_SKU`: a sku on two lines',
        problem: true,
      },
      422: {
        description:
          '`UNKNOWN_SKU` (its `errors` name the skus): not in the catalog or not active; `POINTS_EXCEED_SUBTOTAL`: more points than the subtotal; `IDEMPOTENCY_KEY_REUSED`: the key was used for another request. No order was stored',
        problem: true,
      },
    },
  },
  getOrder: {
    operationId: 'getOrder',
    method: 'GET',
    path: '/orders/{orderId}',
    access: 'user',
    tag: 'orders',
    summary: 'One of your orders, with its lines, amounts and history',
    responses: {
      200: { description: 'The order', schema: OrderResponse },
      400: INVALID_ORDER_ID,
      404: ORDER_NOT_FOUND,
    },
  },
  listMyOrders: {
    operationId: 'listMyOrders',
    method: 'GET',
    path: '/orders',
    access: 'user',
    tag: 'orders',
    summary: `The signed-in user's orders, newest first, ${PAGED_SUMMARY}`,
    query: OrderListQuery,
    responses: {
      200: { description: 'A page of orders, newest first', schema: OrderList, headers: PAGED_HEADERS },
      400: badListQuery(ORDER_LIST_LIMIT),
    },
  },
  cancelOrder: {
    operationId: 'cancelOrder',
    method: 'POST',
    path: '/orders/{orderId}/cancel',
    access: 'user',
    tag: 'orders',
    summary: 'Cancel one of your orders before it is paid: its coupon and points are released',
    responses: {
      200: { description: 'The order, CANCELLED', schema: OrderResponse },
      400: INVALID_ORDER_ID,
      404: ORDER_NOT_FOUND,
      409: invalidState('PENDING or AWAITING_PAYMENT'),
    },
  },
  confirmReceipt: {
    operationId: 'confirmReceipt',
    method: 'POST',
    path: '/orders/{orderId}/confirm-receipt',
    access: 'user',
    tag: 'orders',
    summary: 'Confirm you received a delivered order',
    responses: {
      200: { description: 'The order, COMPLETED', schema: OrderResponse },
      400: INVALID_ORDER_ID,
      404: ORDER_NOT_FOUND,
      409: invalidState('DELIVERED'),
    },
  },
  requestRefund: {
    operationId: 'requestRefund',
    method: 'POST',
    path: '/orders/{orderId}/refund',
    access: 'user',
    tag: 'orders',
    summary: 'Ask for a paid order to be refunded (PAID to DELIVERED): it is REFUNDING until the payment is given back',
    responses: {
      200: { description: 'The order, REFUNDING', schema: OrderResponse },
      400: INVALID_ORDER_ID,
      404: ORDER_NOT_FOUND,
      409: invalidState('PAID, ACCEPTED, SHIPPED or DELIVERED'),
    },
  },
  acceptOrder: {
    operationId: 'acceptOrder',
    method: 'POST',
    path: '/admin/orders/{orderId}/accept',
    access: 'admin',
    tag: 'order-admin',
    summary: 'Accept a paid order for fulfilment',
    responses: {
      200: { description: 'The order, ACCEPTED', schema: OrderResponse },
      400: INVALID_ORDER_ID,
      404: ADMIN_ORDER_NOT_FOUND,
      409: invalidState('PAID'),
    },
  },
  shipOrder: {
    operationId: 'shipOrder',
    method: 'POST',
    path: '/admin/orders/{orderId}/ship',
    access: 'admin',
    tag: 'order-admin',
    summary: 'Mark an accepted order shipped',
    responses: {
      200: { description: 'The order, SHIPPED', schema: OrderResponse },
      400: INVALID_ORDER_ID,
      404: ADMIN_ORDER_NOT_FOUND,
      409: invalidState('ACCEPTED'),
    },
  },
  deliverOrder: {
    operationId: 'deliverOrder',
    method: 'POST',
    path: '/admin/orders/{orderId}/deliver',
    access: 'admin',
    tag: 'order-admin',
    summary: 'Mark a shipped order delivered',
    responses: {
      200: { description: 'The order, DELIVERED', schema: OrderResponse },
      400: INVALID_ORDER_ID,
      404: ADMIN_ORDER_NOT_FOUND,
      409: invalidState('SHIPPED'),
    },
  },
} as const satisfies Record<string, HttpRouteDefinition>;
