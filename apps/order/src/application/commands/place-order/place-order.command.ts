import type { PlaceOrderResponse } from '@shop/contracts';

export interface PlaceOrderCommand {
  /** The signed-in customer, as the gateway vouches for. */
  readonly userId: string;
  /** Skus and quantities only: prices come from the catalog, never from the client. */
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>;
  readonly couponId: string | null;
  /** 0 for none. */
  readonly pointsToUse: number;
}

/** `PENDING` while reservations are awaited; `AWAITING_PAYMENT` at once when there is nothing to reserve. */
export type PlaceOrderResult = PlaceOrderResponse;
