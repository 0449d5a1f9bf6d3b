import { HandlesEvent } from '@shop/messaging';
import { describe, expect, it } from 'vitest';
import { handledEvents } from './handled-events.js';

class FirstConsumer {
  @HandlesEvent('order.placed.v1', 'reserve-on-order-placed')
  async onPlaced(): Promise<void> {}

  notAHandler(): void {}
}

class SecondConsumer {
  @HandlesEvent('order.paid.v1', 'confirm-on-order-paid')
  async onPaid(): Promise<void> {}
}

describe('handledEvents', () => {
  it('lists each @HandlesEvent method’s event type and reaction name, controller by controller', () => {
    expect(handledEvents([FirstConsumer, SecondConsumer])).toEqual([
      ['order.placed.v1', 'reserve-on-order-placed'],
      ['order.paid.v1', 'confirm-on-order-paid'],
    ]);
    expect(handledEvents([class Empty {}])).toEqual([]);
  });
});
