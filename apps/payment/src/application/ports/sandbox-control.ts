/** How the sandbox settles a charge by hand, as `POST /payments/{id}/simulate` asks. */
export interface SandboxSimulationRequest {
  /** What the customer did at the provider. */
  readonly outcome: 'success' | 'failure';
  /** `send`: the provider calls back (after the answer); `withhold`: it stays silent, reconciliation finds out. */
  readonly callback: 'send' | 'withhold';
  /** `refuse`: the provider refuses this charge's refunds (they are retried with backoff). */
  readonly refunds: 'accept' | 'refuse';
}

/**
 * The sandbox provider's hand settlement (the built-in stand-in for a customer paying at a real provider).
 * Settles the charge and, unless withheld, delivers its signed callback after the answer.
 */
export interface SandboxControl {
  /**
   * 'settled': the charge is settled now; 'resent': it was settled the same way before, its callback is sent
   * again (a duplicate). Throws `AlreadySettledError` (ALREADY_SETTLED) when it was settled the other way,
   * `PaymentNotFoundError` when the sandbox has no such charge.
   */
  simulate(paymentId: string, request: SandboxSimulationRequest): Promise<'settled' | 'resent'>;
}
