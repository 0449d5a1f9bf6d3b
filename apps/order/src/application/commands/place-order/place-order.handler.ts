import { Inject, Injectable } from '@nestjs/common';
import { InvalidValueError, newId, UNIT_OF_WORK, type Clock, type UnitOfWork } from '@shop/shared-kernel';
import { DuplicateSkuError, UnknownSkuError } from '../../../domain/order.errors.js';
import { MAX_QUANTITY, MIN_QUANTITY, OrderLine } from '../../../domain/order-line.js';
import { MAX_LINES, MAX_POINTS_TO_USE, Order } from '../../../domain/order.js';
import { Sku } from '../../../domain/sku.js';
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
    const items = checkedItems(command);
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

/** What can be refused before the catalog is read: the shape of the items and points. */
function checkedItems(command: PlaceOrderCommand): Array<{ sku: string; quantity: number }> {
  const { items, pointsToUse } = command;
  if (items.length < 1 || items.length > MAX_LINES) throw new InvalidValueError('items', `must be 1–${MAX_LINES} lines, got ${items.length}`);
  const checked = items.map(({ sku, quantity }) => {
    if (!Number.isSafeInteger(quantity) || quantity < MIN_QUANTITY || quantity > MAX_QUANTITY)
      throw new InvalidValueError('quantity', `must be a whole number ${MIN_QUANTITY}–${MAX_QUANTITY}, got ${quantity}`);
    return { sku: Sku.of(sku).value, quantity };
  });
  const seen = new Set<string>();
  const repeated = new Set(checked.filter(({ sku }) => seen.has(sku) || !seen.add(sku)).map(({ sku }) => sku));
  if (repeated.size > 0) throw new DuplicateSkuError([...repeated]);
  if (!Number.isSafeInteger(pointsToUse) || pointsToUse < 0 || pointsToUse > MAX_POINTS_TO_USE)
    throw new InvalidValueError('pointsToUse', `must be a whole number 0–${MAX_POINTS_TO_USE}, got ${pointsToUse}`);
  return checked;
}
