import { EventPattern } from '@nestjs/microservices';
import type { EventContract } from '@shop/contracts';

/**
 * Marks a method as the handler of one event type. `handler` names the reaction
 * (`reserve-coupon-on-order-placed`) and keys the inbox, so it must stay stable once deployed.
 * It is a plain `@EventPattern` underneath: the method runs on either transport.
 */
export const HandlesEvent = (contract: EventContract | string, handler: string): MethodDecorator =>
  EventPattern<string>(typeof contract === 'string' ? contract : contract.type, { handler });
