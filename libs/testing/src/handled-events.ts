// The package's index loads reflect-metadata, which its constants module (read below) needs first.
import '@nestjs/microservices';
import { PATTERN_EXTRAS_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants.js';

/** A controller class, as Nest takes it. */
type ControllerClass = abstract new (...args: never[]) => unknown;

/**
 * `[event type, reaction name]` of every `@HandlesEvent` method of the controllers, in declaration order:
 * what a context's consumers subscribe to, read from the decorators as the transport reads them.
 */
export function handledEvents(controllers: readonly ControllerClass[]): Array<[string, string]> {
  return controllers.flatMap((controller) => {
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype).flatMap((name): Array<[string, string]> => {
      const method = prototype[name];
      if (name === 'constructor' || typeof method !== 'function') return [];
      const patterns = Reflect.getMetadata(PATTERN_METADATA, method) as string[] | undefined;
      const extras = Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) as { handler?: string } | undefined;
      return (patterns ?? []).map((pattern) => [pattern, String(extras?.handler)]);
    });
  });
}
