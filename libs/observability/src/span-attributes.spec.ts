// What every span of ours carries, and the one policy for what a failed span says of its error.
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { recordSpans } from '../test/support/index.js';
import { MessageContext } from './message-context.js';
import { SHOP_CORRELATION_ID_ATTRIBUTE, SHOP_SERVICE_ATTRIBUTE, errorTypeOf, markSpanFailed, shopSpanAttributes } from './span-attributes.js';

describe('shopSpanAttributes', () => {
  it('the service, and the correlation id: the one given, else the MessageContext’s', () => {
    expect(shopSpanAttributes('order')).toEqual({ [SHOP_SERVICE_ATTRIBUTE]: 'order' });
    expect(shopSpanAttributes('gateway', 'c-1')).toEqual({ [SHOP_SERVICE_ATTRIBUTE]: 'gateway', [SHOP_CORRELATION_ID_ATTRIBUTE]: 'c-1' });
    MessageContext.run({ correlationId: 'c-9', causationId: null }, () => {
      expect(shopSpanAttributes('order')).toEqual({ [SHOP_SERVICE_ATTRIBUTE]: 'order', [SHOP_CORRELATION_ID_ATTRIBUTE]: 'c-9' });
      expect(shopSpanAttributes('order', 'c-1')[SHOP_CORRELATION_ID_ATTRIBUTE]).toBe('c-1');
    });
  });
});

describe('errorTypeOf', () => {
  const withProps = (props: Record<string, unknown>, message = 'Key (email)=(jane@example.com) already exists') => Object.assign(new Error(message), props);

  it.each([
    ['a SQLSTATE', withProps({ code: '23505' }), '23505'],
    ['a driver code under a TypeORM error', Object.assign(withProps({}), { name: 'QueryFailedError', driverError: { code: '40001' } }), '40001'],
    ['an errno name', withProps({ code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['an AMQP reply code', withProps({ code: 320 }), '320'],
    ['a domain error’s code', withProps({ name: 'DomainError', code: 'SOLD_OUT' }), 'SOLD_OUT'],
    ['the class name otherwise', new RangeError('value 42 of jane@example.com'), 'RangeError'],
    ['the class name over a code that is prose', withProps({ name: 'TypeError', code: 'the row (jane@example.com) is bad' }), 'TypeError'],
    ['a plain object', { message: 'jane@example.com' }, 'Error'],
    ['a thrown string', 'jane@example.com failed', 'unknown'],
    ['nothing', undefined, 'unknown'],
  ])('%s', (_what, error, type) => {
    expect(errorTypeOf(error)).toBe(type);
  });
});

describe('markSpanFailed', () => {
  it('status ERROR without a message, error.type, and no exception event', async () => {
    const recorded = recordSpans('order');
    try {
      const span = trace.getTracer('spec').startSpan('work', {}, ROOT_CONTEXT);
      markSpanFailed(span, errorTypeOf(new RangeError('value of jane@example.com')));
      span.end();
      const ended = recorded.span('work');
      expect(ended.status).toEqual({ code: SpanStatusCode.ERROR });
      expect(ended.attributes).toEqual({ 'error.type': 'RangeError' });
      expect(ended.events).toEqual([]);
    } finally {
      await recorded.stop();
    }
  });
});
