import type { SandboxSimulationView } from '../../payment.presenters.js';

/** POST /payments/{id}/simulate: the customer settles their payment at the sandbox provider. */
export interface SimulatePaymentCommand {
  /** The signed-in customer, as the gateway vouches for. */
  readonly userId: string;
  readonly paymentId: string;
  readonly outcome: 'success' | 'failure';
  /** `send` when not given. */
  readonly callback?: 'send' | 'withhold';
  /** `accept` when not given. */
  readonly refunds?: 'accept' | 'refuse';
}

/** What the sandbox was told, the defaults filled in. */
export type SimulatePaymentResult = SandboxSimulationView;
