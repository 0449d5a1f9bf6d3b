import { describe, expect, it } from 'vitest';
import { capturingLogger, levelsAndMessages } from './capturing-logger.js';

describe('capturingLogger', () => {
  it('keeps every line at or above its level, parsed: the level by name, the message, the other fields', () => {
    const { logger, lines, messages } = capturingLogger({ service: 'points', level: 'info' });
    logger.debug('not kept');
    logger.info({ outcome: 'granted' }, 'bonus granted');
    logger.error({ userId: 'u-1' }, 'balance mismatch');

    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'bonus granted', outcome: 'granted', service: 'points' }),
      expect.objectContaining({ level: 'error', msg: 'balance mismatch', userId: 'u-1' }),
    ]);
    expect(messages()).toEqual(['bonus granted', 'balance mismatch']);
    expect(messages('error')).toEqual(['balance mismatch']);
  });

  it('keeps debug lines by default, a child logger’s too', () => {
    const { logger, lines } = capturingLogger();
    logger.child({ handler: 'h' }).debug('detail');
    expect(lines).toEqual([expect.objectContaining({ level: 'debug', msg: 'detail', handler: 'h', service: 'test' })]);
  });

  it('reduces lines to their levels and messages', () => {
    const { logger, lines } = capturingLogger();
    logger.warn({ orderId: 'o-1' }, 'unknown order');
    logger.info('done');
    expect(levelsAndMessages(lines)).toEqual([
      { level: 'warn', msg: 'unknown order' },
      { level: 'info', msg: 'done' },
    ]);
  });
});
