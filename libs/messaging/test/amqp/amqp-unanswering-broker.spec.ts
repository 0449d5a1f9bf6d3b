import { defineSubscriptions } from '@shop/contracts';
import { TcpProxy } from '@shop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { AmqpTransport } from '../../src/amqp/amqp-transport.js';
import { AMQP_URL, connectTransport } from './helpers.js';

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> =>
  Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

describe('AmqpTransport: a broker that stops answering or drops the connection', () => {
  let proxy: TcpProxy | undefined;
  let transport: AmqpTransport | undefined;

  afterEach(async () => {
    // Refused connections end at once, so closing never waits on a black hole.
    proxy?.setMode('refuse');
    await within(transport?.close() ?? Promise.resolve(), 5_000);
    await proxy?.close();
    proxy = undefined;
    transport = undefined;
  });

  const connectThroughProxy = async () => {
    const target = new URL(AMQP_URL);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5672) });
    // A long heartbeat, so that a lost heartbeat is not what ends a wait.
    transport = await connectTransport({ url: proxy.url(AMQP_URL), heartbeatSeconds: 120 });
    return { proxy, transport };
  };

  it('the topology declaration rejects within its 15 s deadline, though the channel can then neither open nor close', async () => {
    const { proxy, transport } = await connectThroughProxy();
    proxy.setMode('blackhole');
    const started = Date.now();
    const outcome = await within(
      transport.declareTopology(defineSubscriptions([])).then(
        () => 'declared',
        (error: unknown) => error,
      ),
      25_000,
    );
    expect(outcome).toMatchObject({ message: expect.stringContaining('no answer from the broker within 15000 ms') });
    expect(Date.now() - started).toBeLessThan(17_000);
  }, 40_000);

  it('close() returns when the connection drops just before it (amqplib never settles that channel close)', async () => {
    const { proxy, transport } = await connectThroughProxy();
    proxy.setMode('refuse');
    const started = Date.now();
    expect(
      await within(
        transport.close().then(() => 'closed'),
        5_000,
      ),
    ).toBe('closed');
    expect(Date.now() - started).toBeLessThan(2_000);
  }, 20_000);
});
