import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import type { OrderResponse } from '@shop/contracts';
import { RequiresRole, uuidParam, type UuidParams } from '@shop/http';
import { canonicalId } from '@shop/shared-kernel';
import { AdvanceFulfilmentHandler } from '../../application/commands/advance-fulfilment/advance-fulfilment.handler.js';

/**
 * Fulfilment, for admins: a paid order is accepted, shipped, delivered, each step only from the one
 * before (409 `INVALID_STATE` otherwise). The role is checked here as well as at the gateway.
 */
@Controller('admin/orders')
@RequiresRole('admin')
export class AdminOrdersController {
  constructor(private readonly advanceFulfilment: AdvanceFulfilmentHandler) {}

  @Post(':orderId/accept')
  @HttpCode(HttpStatus.OK)
  accept(@Param(uuidParam('orderId')) params: UuidParams<'orderId'>): Promise<OrderResponse> {
    return this.advanceFulfilment.execute({ orderId: canonicalId(params.orderId), step: 'accept' });
  }

  @Post(':orderId/ship')
  @HttpCode(HttpStatus.OK)
  ship(@Param(uuidParam('orderId')) params: UuidParams<'orderId'>): Promise<OrderResponse> {
    return this.advanceFulfilment.execute({ orderId: canonicalId(params.orderId), step: 'ship' });
  }

  @Post(':orderId/deliver')
  @HttpCode(HttpStatus.OK)
  deliver(@Param(uuidParam('orderId')) params: UuidParams<'orderId'>): Promise<OrderResponse> {
    return this.advanceFulfilment.execute({ orderId: canonicalId(params.orderId), step: 'deliver' });
  }
}
