import { defineEvent, EventSchemaRegistry, OrderResponse, PlaceOrderResponse, ProductResponse } from '@shop/contracts';

// The HTTP contract's bodies, compiled as the service's registry compiles schemas (ajv, strict, formats).
const shapes = new EventSchemaRegistry([
  defineEvent('order.order-response-under-test.v1', OrderResponse),
  defineEvent('order.product-response-under-test.v1', ProductResponse),
  defineEvent('order.place-order-response-under-test.v1', PlaceOrderResponse),
]);

/** Throws unless `value` is an OrderResponse of the HTTP contract. */
export const assertOrderResponse = (value: unknown): void => shapes.validatePayload('order.order-response-under-test.v1', value);
/** Throws unless `value` is a ProductResponse of the HTTP contract. */
export const assertProductResponse = (value: unknown): void => shapes.validatePayload('order.product-response-under-test.v1', value);
/** Throws unless `value` is a PlaceOrderResponse of the HTTP contract. */
export const assertPlaceOrderResponse = (value: unknown): void => shapes.validatePayload('order.place-order-response-under-test.v1', value);
