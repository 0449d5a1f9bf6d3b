import { describe, expect, it } from 'vitest';
import { MessageContext } from './message-context.js';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes JSON lines that carry the correlation and causation ids of the work in progress', () => {
    const lines: string[] = [];
    const logger = createLogger('order', { level: 'info' }, { write: (line: string) => void lines.push(line) });
    logger.info('outside');
    MessageContext.run({ correlationId: 'req-7', causationId: 'msg-3' }, () => logger.info({ orderId: 'o-1' }, 'inside'));
    const [outside, inside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(outside).toMatchObject({ service: 'order', msg: 'outside' });
    expect(outside).not.toHaveProperty('correlationId');
    expect(inside).toMatchObject({ service: 'order', msg: 'inside', orderId: 'o-1', correlationId: 'req-7', causationId: 'msg-3' });
  });
});
