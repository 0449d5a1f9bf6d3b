import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { EventEnvelope } from '@shop/contracts';
import { lastValueFrom } from 'rxjs';
import type { EventConsumer } from '../consumer/event-consumer.js';

/**
 * A Nest transport strategy over our consumer: every `@EventPattern` / `@HandlesEvent` method of the
 * app becomes a handler that runs behind the inbox, in a transaction, on whichever transport the
 * service was started with. Handler errors propagate so that the message is retried, not acked.
 */
export class ShopEventsServer extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private readonly handlers: Array<{ pattern: string; handler: MessageHandler }> = [];

  constructor(private readonly consumer: EventConsumer) {
    super();
  }

  /**
   * Nest chains several handlers of one pattern and runs them all from the first; each of ours needs
   * its own transaction and inbox row, so they are kept apart here instead.
   */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    callback.isEventHandler = isEventHandler;
    callback.extras = extras;
    this.handlers.push({ pattern: this.normalizePattern(pattern as string), handler: callback });
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      for (const { pattern, handler } of this.handlers) this.consumer.register(this.registrationOf(pattern, handler));
      await this.consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.consumer.stop();
  }

  on(): never {
    throw new Error('ShopEventsServer has no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private registrationOf(pattern: string, handler: MessageHandler) {
    if (!handler.isEventHandler) throw new Error(`'${pattern}': only event handlers are supported; use @HandlesEvent`);
    const name = handler.extras?.['handler'];
    if (typeof name !== 'string' || name.length === 0) {
      throw new Error(`the handler of '${pattern}' has no name: declare it with @HandlesEvent(type, 'reaction-name')`);
    }
    return {
      type: pattern,
      handler: name,
      handle: async (envelope: EventEnvelope) => {
        try {
          await lastValueFrom(this.transformToObservable(await handler(envelope)), { defaultValue: undefined });
        } catch (error) {
          // Nest's exception layer turns errors into plain objects; keep the message.
          throw error instanceof Error ? error : new Error((error as { message?: string })?.message ?? JSON.stringify(error));
        }
      },
    };
  }
}
