import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { eventTypesOf, retryDelaysOf, subscriptionOf, type EventEnvelope, type SubscriptionManifest } from '@shop/contracts';
import { lastValueFrom } from 'rxjs';
import type { EventConsumer } from '../consumer/event-consumer.js';
import type { RetryPolicy } from '../transport/transport.js';

/** Where the service stands in the subscription manifest. */
export interface ManifestEntryOf {
  readonly service: string;
  readonly manifest: SubscriptionManifest;
}

/**
 * The consumer's retry policy: its delays name the retry queues every other service declares from
 * the manifest, so they come from there; an explicit policy that disagrees is refused.
 */
export function consumerRetryPolicyOf(service: string, manifest: SubscriptionManifest, explicit: RetryPolicy | undefined): RetryPolicy {
  const declared = retryDelaysOf(manifest, service);
  if (!explicit) return { delaysMs: declared };
  if (subscriptionOf(manifest, service) && !sameDelays(explicit.delaysMs, declared)) {
    throw new Error(
      `${service}: retry delays [${explicit.delaysMs.join(', ')}] differ from the subscription manifest's [${declared.join(', ')}]; ` +
        'other services declare the retry queues from the manifest: set retryDelaysMs there',
    );
  }
  return explicit;
}

const sameDelays = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((delayMs, index) => delayMs === b[index]);

/**
 * A Nest transport strategy over our consumer: every `@EventPattern` / `@HandlesEvent` method of the
 * app becomes a handler that runs behind the inbox, in a transaction, on whichever transport the
 * service was started with. Handler errors propagate so that the message is retried, not acked.
 */
export class ShopEventsServer extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private readonly handlers: Array<{ pattern: string; handler: MessageHandler }> = [];

  constructor(
    private readonly consumer: EventConsumer,
    private readonly subscription: ManifestEntryOf,
  ) {
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
      this.assertMatchesManifest();
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

  /**
   * The broker routes to this service only what the manifest lists for it (every service declares
   * those bindings), so a handler of an unlisted type would never run, and a listed type without a
   * handler would be taken off the queue and dropped. Either is a deployment mistake: refuse to start.
   */
  private assertMatchesManifest(): void {
    const { service, manifest } = this.subscription;
    const listed = new Set(eventTypesOf(manifest, service));
    const handled = new Set(this.handlers.map(({ pattern }) => pattern));
    const unlisted = [...handled].filter((type) => !listed.has(type));
    const unhandled = [...listed].filter((type) => !handled.has(type));
    const problems: string[] = [];
    if (unlisted.length > 0) {
      problems.push(`it has handlers for ${quoted(unlisted)}, which the subscription manifest does not route to '${service}' (it would never receive them)`);
    }
    if (unhandled.length > 0) problems.push(`the subscription manifest routes ${quoted(unhandled)} to '${service}', but no handler listens to it`);
    if (problems.length > 0) {
      throw new Error(
        `${service} refuses to start: ${problems.join('; ')}. Make the service's entry in the manifest (@shop/contracts subscriptions) match its handlers.`,
      );
    }
  }

  private registrationOf(pattern: string, handler: MessageHandler) {
    if (!handler.isEventHandler) throw new Error(`'${pattern}': only event handlers are supported; use @HandlesEvent`);
    const name: unknown = handler.extras?.['handler'];
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

const quoted = (types: readonly string[]): string => types.map((type) => `'${type}'`).join(', ');
