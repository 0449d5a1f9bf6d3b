/**
 * A saga step arrived before the step it follows was seen (a refund before its payment, a payment
 * before its placement): not a business failure but a message too early. The consumer lets it throw,
 * so the message is redelivered later, when its predecessor has been handled. Deliberately not a
 * DomainError: it must never become an answer.
 */
export class SagaStepOutOfOrderError extends Error {
  constructor(
    readonly step: string,
    readonly orderId: string,
    readonly waitingFor: string,
  ) {
    super(`${step} of order ${orderId} arrived before ${waitingFor} was seen; retry later`);
    this.name = 'SagaStepOutOfOrderError';
  }
}
