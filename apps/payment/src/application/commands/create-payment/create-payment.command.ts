import type { PaymentView } from '../../payment.presenters.js';

/** POST /payments: the signed-in customer pays for one of their orders. */
export interface CreatePaymentCommand {
  /** The signed-in customer, as the gateway vouches for. */
  readonly userId: string;
  readonly orderId: string;
}

/**
 * The payment (its amount is the order's payable, never the client's): PENDING at the provider, or FAILED
 * (PROVIDER_ERROR) when the provider failed, refused or did not answer in time.
 */
export type CreatePaymentResult = PaymentView;
