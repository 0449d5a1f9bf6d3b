import { OrderResponse, PlaceOrderResponse, ProductResponse } from '@shop/contracts';
import { assertMatchesSchema } from '@shop/testing';

/** Throws unless `value` is an OrderResponse of the HTTP contract. */
export const assertOrderResponse = (value: unknown): void => assertMatchesSchema(OrderResponse, value);
/** Throws unless `value` is a ProductResponse of the HTTP contract. */
export const assertProductResponse = (value: unknown): void => assertMatchesSchema(ProductResponse, value);
/** Throws unless `value` is a PlaceOrderResponse of the HTTP contract. */
export const assertPlaceOrderResponse = (value: unknown): void => assertMatchesSchema(PlaceOrderResponse, value);
