import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { MessageContext } from './message-context.js';

/** The service that made a span (embedded mode runs every service in one process, under one resource name). */
export const SHOP_SERVICE_ATTRIBUTE = 'shop.service';
/** The correlation id of the request or message the span's work belongs to: the way from a log line to its trace. */
export const SHOP_CORRELATION_ID_ATTRIBUTE = 'shop.correlation_id';

/**
 * The attributes every span our code makes carries: `shop.service`, and `shop.correlation_id`: the
 * one given, else the current `MessageContext`'s (none outside one).
 */
export function shopSpanAttributes(service: string, correlationId?: string): Attributes {
  const correlation = correlationId ?? MessageContext.current()?.correlationId;
  return correlation === undefined
    ? { [SHOP_SERVICE_ATTRIBUTE]: service }
    : { [SHOP_SERVICE_ATTRIBUTE]: service, [SHOP_CORRELATION_ID_ATTRIBUTE]: correlation };
}

/** A code worth putting on a span: short, plain (a SQLSTATE, an errno name, a domain error's code, an AMQP reply code). */
const PLAIN_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * What a failed span says of its error (`error.type`): its code (`23505`, `ECONNREFUSED`, `SOLD_OUT`;
 * a TypeORM error's driver code too) or else its class name; never its message or stack, which may
 * quote a row's values or a customer's data, and end up in a trace store kept longer and guarded less
 * than the logs (the log line of the failure has the detail).
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error === 'string' && PLAIN_CODE.test(error) ? error : 'unknown';
  const { code, driverError, name } = error as { code?: unknown; driverError?: { code?: unknown } | null; name?: unknown };
  for (const candidate of [code, driverError?.code]) {
    const text = typeof candidate === 'number' ? String(candidate) : candidate;
    if (typeof text === 'string' && PLAIN_CODE.test(text)) return text;
  }
  return typeof name === 'string' && PLAIN_CODE.test(name) ? name : 'Error';
}

/**
 * Marks `span` failed by the one policy every lib follows: status ERROR without a message, and
 * `error.type` = `errorType` (`errorTypeOf(error)`, or the outcome: `'503'`, `'timeout'`). No exception event.
 */
export function markSpanFailed(span: Span, errorType: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
