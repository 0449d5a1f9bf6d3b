import amqp from 'amqplib';
import { describe, expect, it } from 'vitest';
import { ConfirmSession } from '../../src/amqp/amqp-confirm-session.js';
import { AMQP_URL, testLogger, uniqueService } from './helpers.js';

describe('ConfirmSession.publishConfirmed', () => {
  it('rejects an unroutable message that has no message id (a malformed one being dead-lettered), instead of reporting it moved', async () => {
    const connection = await amqp.connect(AMQP_URL);
    try {
      const session = new ConfirmSession(await connection.createConfirmChannel(), testLogger());
      const missingQueue = `${uniqueService()}.events.dlq`;
      await expect(session.publishConfirmed('', missingQueue, Buffer.from('not an envelope'), { persistent: true }, 2_000)).rejects.toThrow(/unroutable/);
      await expect(session.publishConfirmed('', missingQueue, Buffer.from('{}'), { persistent: true, messageId: 'm-1' }, 2_000)).rejects.toThrow(/unroutable/);
      await session.close();
    } finally {
      await connection.close();
    }
  });
});
