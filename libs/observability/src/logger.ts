import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { MessageContext } from './message-context.js';
import { activeSpanIds } from './tracing-state.js';

export type { Logger } from 'pino';

/** The DI token of the service's logger (a symbol, so that it cannot collide). */
export const LOGGER = Symbol.for('shop.Logger');

/**
 * Structured JSON logs. Every line written while a request or message is being handled carries its
 * `correlationId` and `causationId`, and, when tracing is on and a span records, its `traceId` and `spanId`.
 */
export function createLogger(service: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    level: process.env['LOG_LEVEL'] ?? 'info',
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const context = MessageContext.current();
      const span = activeSpanIds();
      if (!span) return context ? { correlationId: context.correlationId, causationId: context.causationId } : {};
      return context ? { correlationId: context.correlationId, causationId: context.causationId, ...span } : { ...span };
    },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** For tests and benchmarks that want no output. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
