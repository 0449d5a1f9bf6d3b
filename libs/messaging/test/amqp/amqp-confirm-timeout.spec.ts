import { defineSubscriptions } from '@shop/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTransport, makeEnvelope, rabbitmqctl, uniqueService, waitFor } from './helpers.js';

const CONFIRM_TIMEOUT_MS = 1_000;

/** `0.4`, or `{absolute,1073741824}`: as the broker reports it, turned into `set_vm_memory_high_watermark` arguments. */
function watermarkArguments(reported: string): string[] {
  const absolute = /\{absolute,\s*(\d+)\}/.exec(reported);
  return absolute ? ['absolute', absolute[1]!] : [reported.trim()];
}

const memoryAlarmRaised = async (): Promise<boolean> => (await rabbitmqctl('eval', 'rabbit_alarm:get_alarms().')).includes('memory');

describe('AmqpTransport: confirm timeout', () => {
  let originalWatermark: string[];

  beforeAll(async () => {
    originalWatermark = watermarkArguments(await rabbitmqctl('eval', 'vm_memory_monitor:get_vm_memory_high_watermark().'));
  });

  afterAll(async () => {
    await rabbitmqctl('set_vm_memory_high_watermark', ...originalWatermark);
  });

  it('answers a failure for every message not confirmed within the timeout, and no later', async () => {
    // Nothing is bound to this key, and the (empty) manifest says nobody consumes it: the broker
    // returns the messages once it reads them, and that counts as published.
    const type = `${uniqueService()}.unrouted.v1`;
    const transport = await connectTransport({ confirmTimeoutMs: CONFIRM_TIMEOUT_MS });
    try {
      await transport.declareTopology(defineSubscriptions([]));
      expect(await transport.publishBatch([makeEnvelope(type)])).toEqual([{ ok: true }]);

      // A memory alarm: the broker stops reading from publishing connections, so no confirm comes.
      await rabbitmqctl('set_vm_memory_high_watermark', '0');
      await waitFor(memoryAlarmRaised, 'the memory alarm');
      const startedAt = Date.now();
      const outcomes = await transport.publishBatch(Array.from({ length: 50 }, () => makeEnvelope(type)));
      const elapsedMs = Date.now() - startedAt;

      expect(outcomes).toHaveLength(50);
      for (const outcome of outcomes) {
        expect(outcome.ok).toBe(false);
        expect(!outcome.ok && outcome.error.message).toBe(`no publisher confirm within ${CONFIRM_TIMEOUT_MS} ms`);
      }
      expect(elapsedMs).toBeGreaterThanOrEqual(CONFIRM_TIMEOUT_MS - 5);
      expect(elapsedMs).toBeLessThan(CONFIRM_TIMEOUT_MS + 500);

      await rabbitmqctl('set_vm_memory_high_watermark', ...originalWatermark);
      await waitFor(async () => !(await memoryAlarmRaised()), 'the alarm to clear');
      // The same channel works again once the broker reads from it.
      expect(await transport.publishBatch([makeEnvelope(type)])).toEqual([{ ok: true }]);
    } finally {
      await rabbitmqctl('set_vm_memory_high_watermark', ...originalWatermark);
      await transport.close();
    }
  });
});
