import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ShutdownDeadline } from './shutdown-deadline.js';

function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const never = () => new Promise<void>(() => undefined);
const after = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('ShutdownDeadline', () => {
  it('awaits the work in flight up to its share of the deadline, then abandons it and says so', async () => {
    const { logger, lines } = recordingLogger();
    const deadline = new ShutdownDeadline(500, logger);
    const started = Date.now();
    expect(await deadline.finishWork('consumer stop', never)).toBe('abandoned');
    // 80 % of 500 ms (timers may fire late on a busy machine, never early).
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(lines).toEqual([expect.objectContaining({ step: 'consumer stop', shutdownTimeoutMs: 500, msg: expect.stringContaining('abandoned') })]);
  });

  it('starts a step even when no time is left, and closing steps share the rest of the deadline', async () => {
    const { logger } = recordingLogger();
    const started = Date.now();
    const deadline = new ShutdownDeadline(300, logger);
    await deadline.finishWork('consumer stop', never);
    let relayStopped = false;
    expect(
      await deadline.finishWork('relay stop', async () => {
        relayStopped = true;
        await never();
      }),
    ).toBe('abandoned');
    expect(relayStopped).toBe(true);
    expect(await deadline.close('transport close', after(10))).toBe('done');
    expect(await deadline.close('data source destroy', never)).toBe('abandoned');
    // The whole shutdown kept to its 300 ms (with room for late timers).
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(800);
  });

  it('a failing step is logged and the shutdown goes on', async () => {
    const { logger, lines } = recordingLogger();
    const deadline = new ShutdownDeadline(1_000, logger);
    expect(
      await deadline.finishWork('relay stop', () => {
        throw new Error('boom');
      }),
    ).toBe('failed');
    expect(await deadline.close('transport close', after(1))).toBe('done');
    expect(lines).toEqual([expect.objectContaining({ step: 'relay stop', msg: 'shutdown: relay stop failed' })]);
  });
});
