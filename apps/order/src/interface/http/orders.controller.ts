import { Body, Controller, Get, Header, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ORDER_LIST_LIMIT, OrderListQuery, PlaceOrderRequest, type OrderList, type OrderResponse, type PlaceOrderResponse } from '@shop/contracts';
import { CurrentIdentity, Idempotent, RequiresUser, SchemaPipe, setNextPageHeaders, uuidParam, type Identity, type UuidParams } from '@shop/http';
import { canonicalId } from '@shop/shared-kernel';
import type { FastifyReply } from 'fastify';
import { CancelOrderHandler } from '../../application/commands/cancel-order/cancel-order.handler.js';
import { ConfirmReceiptHandler } from '../../application/commands/confirm-receipt/confirm-receipt.handler.js';
import { PlaceOrderHandler } from '../../application/commands/place-order/place-order.handler.js';
import { RequestRefundHandler } from '../../application/commands/request-refund/request-refund.handler.js';
import { GetOrderHandler } from '../../application/queries/get-order/get-order.handler.js';
import { ListMyOrdersHandler } from '../../application/queries/list-my-orders/list-my-orders.handler.js';

/**
 * A signed-in customer's own orders: place one, read one or a page of them, cancel, confirm receipt,
 * ask for a refund. Whose they are comes from the gateway's identity only: another customer's order
 * answers 404 `ORDER_NOT_FOUND`, as one that does not exist, so nobody learns of someone else's.
 */
@Controller('orders')
@RequiresUser()
export class OrdersController {
  constructor(
    private readonly placeOrder: PlaceOrderHandler,
    private readonly getOrder: GetOrderHandler,
    private readonly listMyOrders: ListMyOrdersHandler,
    private readonly cancelOrder: CancelOrderHandler,
    private readonly confirmReceipt: ConfirmReceiptHandler,
    private readonly requestRefund: RequestRefundHandler,
  ) {}

  /**
   * 202: the order is taken, priced from the catalog alone (the schema refuses client-sent prices), and
   * the saga goes on without the client: `PENDING` while the coupon and points reservations are out,
   * `AWAITING_PAYMENT` at once when it needs none. A client whose request timed out cannot tell whether
   * it committed: retried with the same `Idempotency-Key` and body it answers the first order, not a second.
   */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Idempotent()
  place(@Body(new SchemaPipe(PlaceOrderRequest)) body: PlaceOrderRequest, @CurrentIdentity() identity: Identity): Promise<PlaceOrderResponse> {
    // UNKNOWN_SKU and DUPLICATE_SKU name `items` as the field at fault themselves: the problem's `errors` list the skus.
    return this.placeOrder.execute({
      userId: identity.userId,
      items: body.items.map(({ sku, quantity }) => ({ sku, quantity })),
      couponId: body.couponId === undefined ? null : canonicalId(body.couponId),
      pointsToUse: body.pointsToUse ?? 0,
    });
  }

  /** Newest first, one page at a time; whether more remain is said by `Next-Cursor` and a relative `Link`. */
  @Get()
  @Header('Cache-Control', 'no-store')
  async list(
    @Query(new SchemaPipe(OrderListQuery)) query: OrderListQuery,
    @CurrentIdentity() identity: Identity,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderList> {
    // The schema admits only a decimal 1–100 and the cursor's alphabet; the use case decodes the cursor (400 INVALID_CURSOR).
    const limit = query.limit === undefined ? ORDER_LIST_LIMIT.default : Number(query.limit);
    const page = await this.listMyOrders.execute({ userId: identity.userId, cursor: query.cursor ?? null, limit });
    setNextPageHeaders(reply, page.nextCursor, limit);
    return page.orders;
  }

  @Get(':orderId')
  @Header('Cache-Control', 'no-store')
  get(@Param(uuidParam('orderId')) params: UuidParams<'orderId'>, @CurrentIdentity() identity: Identity): Promise<OrderResponse> {
    return this.getOrder.execute({ orderId: canonicalId(params.orderId), userId: identity.userId });
  }

  /** While `PENDING` or `AWAITING_PAYMENT` only (409 `INVALID_STATE` after): what the saga holds is released on order.cancelled.v1. */
  @Post(':orderId/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(@Param(uuidParam('orderId')) params: UuidParams<'orderId'>, @CurrentIdentity() identity: Identity): Promise<OrderResponse> {
    return this.cancelOrder.execute({ orderId: canonicalId(params.orderId), userId: identity.userId });
  }

  @Post(':orderId/confirm-receipt')
  @HttpCode(HttpStatus.OK)
  confirm(@Param(uuidParam('orderId')) params: UuidParams<'orderId'>, @CurrentIdentity() identity: Identity): Promise<OrderResponse> {
    return this.confirmReceipt.execute({ orderId: canonicalId(params.orderId), userId: identity.userId });
  }

  /** From `PAID` to `DELIVERED`: the order becomes `REFUNDING` and asks the payment context (order.refund-requested.v1). */
  @Post(':orderId/refund')
  @HttpCode(HttpStatus.OK)
  refund(@Param(uuidParam('orderId')) params: UuidParams<'orderId'>, @CurrentIdentity() identity: Identity): Promise<OrderResponse> {
    return this.requestRefund.execute({ orderId: canonicalId(params.orderId), userId: identity.userId });
  }
}
