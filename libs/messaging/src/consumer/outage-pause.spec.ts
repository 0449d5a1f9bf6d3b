import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MessagingMetrics } from '../observability/messaging-metrics.js';
import type { ConsumerHandle } from '../transport/transport.js';
import { OutagePause } from './outage-pause.js';

/** A consumer handle that records what it was asked to do. */
class RecordingHandle implements ConsumerHandle {
  readonly calls: string[] = [];
  constructor(private readonly pauseFails = false) {}
  async cancel(): Promise<void> {
    this.calls.push('cancel');
  }
  async pause(): Promise<void> {
    this.calls.push('pause');
    if (this.pauseFails) throw new Error('pause: not supported');
  }
  async resume(): Promise<void> {
    this.calls.push('resume');
  }
}

function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), messages: () => lines.map((line) => line.msg) };
}

const gauge = async (metrics: MessagingMetrics, name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waitUntil = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
};

describe('OutagePause', () => {
  it('pauses once however many deliveries report the outage, probes with doubling delays, resumes when the database answers', async () => {
    const metrics = new MessagingMetrics();
    const { logger, messages } = capturingLogger();
    const probeTimes: number[] = [];
    let unanswered = 3;
    const probe = async () => {
      probeTimes.push(Date.now());
      if (unanswered-- > 0) throw new Error('connect ECONNREFUSED');
    };
    const pause = new OutagePause(probe, metrics, logger, { initialDelayMs: 20, maxDelayMs: 60, probeTimeoutMs: 500 });
    const handle = new RecordingHandle();
    const started = Date.now();
    for (let i = 0; i < 5; i++) pause.begin(handle, new Error('connect ECONNREFUSED'));

    expect(pause.paused).toBe(true);
    expect(await gauge(metrics, 'shop_consumer_paused')).toBe(1);
    await waitUntil(() => !pause.paused);

    expect(handle.calls).toEqual(['pause', 'resume']);
    expect(probeTimes).toHaveLength(4);
    // Waits of 20, 40, 60 (capped), 60 ms before the probes.
    const gaps = [probeTimes[0]! - started, ...probeTimes.slice(1).map((t, i) => t - probeTimes[i]!)];
    expect(gaps.map((gap, i) => gap >= [20, 40, 60, 60][i]! - 2)).toEqual([true, true, true, true]);
    expect(await gauge(metrics, 'shop_consumer_paused')).toBe(0);
    expect(await gauge(metrics, 'shop_consumer_pauses_total')).toBe(1);
    expect(messages().filter((m) => m === 'consumer paused: database unreachable')).toHaveLength(1);
    expect(messages().filter((m) => m === 'consumer resumed')).toHaveLength(1);

    // A later outage is a second pause.
    unanswered = 0;
    pause.begin(handle, new Error('again'));
    await waitUntil(() => !pause.paused);
    expect(handle.calls).toEqual(['pause', 'resume', 'pause', 'resume']);
    expect(await gauge(metrics, 'shop_consumer_pauses_total')).toBe(2);
  });

  it('an outage reported while the subscription is being resumed pauses it again once the resume is done', async () => {
    const metrics = new MessagingMetrics();
    let answers = true;
    const pause = new OutagePause(() => (answers ? Promise.resolve() : Promise.reject(new Error('down'))), metrics, pino({ level: 'silent' }), {
      initialDelayMs: 5,
      maxDelayMs: 5,
      probeTimeoutMs: 50,
    });
    let finishResume!: () => void;
    const handle = new RecordingHandle();
    handle.resume = async () => {
      handle.calls.push('resume');
      if (handle.calls.length === 2) await new Promise<void>((resolve) => (finishResume = resolve));
    };
    pause.begin(handle, new Error('down'));
    await waitUntil(() => handle.calls.length === 2);
    // The database went away again while the resume was in flight.
    answers = false;
    pause.begin(handle, new Error('down again'));
    expect(pause.paused).toBe(true);
    finishResume();
    await waitUntil(() => handle.calls.length === 3);
    expect(handle.calls).toEqual(['pause', 'resume', 'pause']);
    expect(pause.paused).toBe(true);
    answers = true;
    await waitUntil(() => !pause.paused);
    expect(handle.calls).toEqual(['pause', 'resume', 'pause', 'resume']);
    expect(await gauge(metrics, 'shop_consumer_paused')).toBe(0);
  });

  it('counts a probe that does not answer within its deadline as unanswered', async () => {
    const metrics = new MessagingMetrics();
    let probes = 0;
    const probe = () => (probes++ === 0 ? new Promise<void>(() => undefined) : Promise.resolve());
    const pause = new OutagePause(probe, metrics, pino({ level: 'silent' }), { initialDelayMs: 5, maxDelayMs: 5, probeTimeoutMs: 50 });
    const handle = new RecordingHandle();
    const started = Date.now();
    pause.begin(handle, new Error('black hole'));
    await waitUntil(() => !pause.paused);
    expect(probes).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(handle.calls).toEqual(['pause', 'resume']);
  });

  it('stop ends the probe loop without resuming, and a handle that cannot pause still gets resumed', async () => {
    const metrics = new MessagingMetrics();
    const pause = new OutagePause(() => Promise.reject(new Error('down')), metrics, pino({ level: 'silent' }), {
      initialDelayMs: 10_000,
      maxDelayMs: 10_000,
      probeTimeoutMs: 50,
    });
    const handle = new RecordingHandle();
    pause.begin(handle, new Error('down'));
    const stopping = Date.now();
    await pause.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(pause.paused).toBe(false);
    expect(handle.calls).toEqual(['pause']);
    expect(await gauge(metrics, 'shop_consumer_paused')).toBe(0);

    const stubborn = new RecordingHandle(true);
    const answering = new OutagePause(() => Promise.resolve(), metrics, pino({ level: 'silent' }), { initialDelayMs: 5, maxDelayMs: 5, probeTimeoutMs: 50 });
    answering.begin(stubborn, new Error('down'));
    await waitUntil(() => !answering.paused);
    expect(stubborn.calls).toEqual(['pause', 'resume']);
  });
});
