import { Inject, Injectable } from '@nestjs/common';
import { newId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { UnknownSkuError } from '../../../domain/order.errors.js';
import { checkedOrderRequest } from '../../../domain/order-items.js';
import { OrderLine } from '../../../domain/order-line.js';
import { Order } from '../../../domain/order.js';
import { ORDER_CLOCK, ORDER_REPOSITORY, ORDER_RULES, PRODUCT_REPOSITORY, type OrderRules } from '../../order.di-tokens.js';
import type { OrderRepository } from '../../ports/order.repository.js';
import type { ProductRepository } from '../../ports/product.repository.js';
import type { PlaceOrderCommand, PlaceOrderResult } from './place-order.command.js';

/**
 * The saga's first step: an order priced from the catalog (each line at the product's current name and
 * price), PENDING with order.placed.v1 so the coupon and points contexts try their part; with nothing to
 * reserve it awaits payment at once. Refused, with nothing stored: malformed items (INVALID_VALUE), one
 * sku on two lines (DUPLICATE_SKU: refused, not merged), skus unknown or inactive (UNKNOWN_SKU, all
 * named), more points than the subtotal (POINTS_EXCEED_SUBTOTAL).
 */
@Injectable()
export class PlaceOrderHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository,
    @Inject(ORDER_CLOCK) private readonly clock: Clock,
    @Inject(ORDER_RULES) private readonly rules: OrderRules,
  ) {}

  async execute(command: PlaceOrderCommand): Promise<PlaceOrderResult> {
    // Refused before the catalog is read; Order.place runs the same check on the priced lines.
    const { items } = checkedOrderRequest(command);
    return this.unitOfWork.run(async () => {
      const skus = items.map((item) => item.sku);
      const sold = new Map((await this.products.findBySkus(skus)).filter((product) => product.active).map((product) => [product.sku, product]));
      const unknown = skus.filter((sku) => !sold.has(sku));
      if (unknown.length > 0) throw new UnknownSkuError(unknown);

      const lines = items.map(({ sku, quantity }) => {
        const product = sold.get(sku)!;
        return OrderLine.of({ sku, name: product.name, quantity, unitPrice: product.price });
      });
      const order = Order.place({
        orderId: newId(),
        userId: command.userId,
        lines,
        couponId: command.couponId,
        pointsToUse: command.pointsToUse,
        placedAt: this.clock.now(),
        reservationTimeoutMs: this.rules.reservationTimeoutMs,
        paymentTimeoutMs: this.rules.paymentTimeoutMs,
      });
      await this.orders.save(order);
      return { orderId: order.id, status: order.status === 'AWAITING_PAYMENT' ? 'AWAITING_PAYMENT' : 'PENDING' };
    });
  }
}
