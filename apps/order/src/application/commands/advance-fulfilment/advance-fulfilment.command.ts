/** An admin's fulfilment step: accept a PAID order, ship an ACCEPTED one, deliver a SHIPPED one. */
export interface AdvanceFulfilmentCommand {
  readonly orderId: string;
  readonly step: 'accept' | 'ship' | 'deliver';
}
