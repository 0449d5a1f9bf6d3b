// GET /health/live, /health/ready, /health and /metrics on a real Nest app, as a service wires them:
// checks that need the app's providers, the messaging registry found by injection, all served
// without a gateway token; readiness turning 503 while the app closes.
import { Global, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DATA_SOURCE, MessagingMetrics, TRANSPORT } from '@shop/messaging';
import { LOGGER, silentLogger } from '@shop/observability';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configureHttpApp, createHttpAdapter } from '../configure-http-app.js';
import { InternalTokenVerifier } from '../identity/internal-token.verifier.js';
import { messagingHealthChecks } from './messaging-health-checks.js';
import { OperationsModule, type OperationsOptions } from './operations.module.js';

/** Stands in for MessagingModule: a data source that answers or not, a transport that is ready or not. */
interface FakeState {
  databaseUp: boolean;
  brokerUp: boolean;
  /** Database queries made. */
  queries?: number;
  /** The database takes this long to answer. */
  databaseDelayMs?: number;
}

function fakeMessaging(state: FakeState, metrics: MessagingMetrics): DynamicModule {
  @Global()
  @Module({})
  class FakeMessagingModule {}
  const dataSource = {
    query: async () => {
      state.queries = (state.queries ?? 0) + 1;
      if (state.databaseDelayMs) await new Promise((resolve) => setTimeout(resolve, state.databaseDelayMs));
      return state.databaseUp ? [{ '1': 1 }] : Promise.reject(new Error('ECONNREFUSED 10.1.2.3:5432'));
    },
  };
  const transport = { isReady: () => state.brokerUp };
  return {
    module: FakeMessagingModule,
    providers: [
      { provide: DATA_SOURCE, useValue: dataSource },
      { provide: TRANSPORT, useValue: transport },
      { provide: MessagingMetrics, useValue: metrics },
      { provide: LOGGER, useValue: silentLogger() },
    ],
    exports: [DATA_SOURCE, TRANSPORT, MessagingMetrics, LOGGER],
  };
}

const METRICS_TOKEN = 'metrics-token-of-the-test';
const withMetricsToken = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

let app: NestFastifyApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(imports: DynamicModule[], operations: Partial<OperationsOptions> = {}, providers: Provider[] = []): Promise<string> {
  @Module({ imports: [...imports, OperationsModule.forService({ service: 'order', checks: messagingHealthChecks, ...operations })], providers })
  class ServiceModule {}
  app = await NestFactory.create<NestFastifyApplication>(ServiceModule, createHttpAdapter(), { bodyParser: false, logger: false });
  configureHttpApp(app, { service: 'order', logger: silentLogger(), gatewayOnly: new InternalTokenVerifier('x'.repeat(32), 'order') });
  await app.listen(0, '127.0.0.1');
  return app.getUrl();
}

describe('OperationsModule', () => {
  it('answers GET /health 200 when the database and the broker are up, without a gateway token', async () => {
    const base = await start([fakeMessaging({ databaseUp: true, brokerUp: true }, new MessagingMetrics())]);
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'up', broker: 'up' } });
  });

  it('answers 503 naming the failing check, and keeps the reason out of the answer', async () => {
    const state = { databaseUp: false, brokerUp: true };
    const base = await start([fakeMessaging(state, new MessagingMetrics())]);
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: 'unavailable', checks: { database: 'down', broker: 'up' } });
    expect(text).not.toContain('10.1.2.3');
    state.databaseUp = true;
    state.brokerUp = false;
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'unavailable', checks: { database: 'up', broker: 'down' } });
  });

  it('answers GET /health/live 200 without running a check, even with the database down', async () => {
    const state: FakeState = { databaseUp: false, brokerUp: false };
    const base = await start([fakeMessaging(state, new MessagingMetrics())]);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${base}/health/live`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({ live: true, draining: false });
    }
    expect(state.queries ?? 0).toBe(0);
  });

  it('answers GET /health/ready 200 with each check in detail when everything is up', async () => {
    const base = await start([fakeMessaging({ databaseUp: true, brokerUp: true }, new MessagingMetrics())]);
    const response = await fetch(`${base}/health/ready`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ ready: true, draining: false, checks: { database: { status: 'up' }, broker: { status: 'up' } } });
  });

  it('answers GET /health/ready 503 problem+json listing what is down and why, without the error itself', async () => {
    const state: FakeState = { databaseUp: false, brokerUp: true };
    const base = await start([fakeMessaging(state, new MessagingMetrics())]);
    const response = await fetch(`${base}/health/ready`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      type: 'urn:shop:problem:NOT_READY',
      status: 503,
      code: 'NOT_READY',
      instance: '/health/ready',
      ready: false,
      down: ['database'],
      checks: { database: { status: 'down', reason: 'error' }, broker: { status: 'up' } },
    });
    expect(text).not.toContain('10.1.2.3');
    state.brokerUp = false;
    expect(await (await fetch(`${base}/health/ready`)).json()).toMatchObject({ down: ['database', 'broker'], detail: 'Not ready: database, broker down.' });
    state.databaseUp = true;
    state.brokerUp = true;
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
  });

  it('answers 503 in bounded time when the database hangs: the check has a deadline, and a hung query is not repeated', async () => {
    const state: FakeState = { databaseUp: true, brokerUp: true, databaseDelayMs: 2_000 };
    const base = await start([fakeMessaging(state, new MessagingMetrics())], { checkTimeoutMs: 150 });
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await fetch(`${base}/health/ready`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ down: ['database'], checks: { database: { status: 'down', reason: 'timeout' } } });
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    expect(state.queries).toBe(1);
  });

  it('answers not ready (503 SHUTTING_DOWN) but still live while the app is closing, before its server stops', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let closing = false;
    /** Holds the shutdown where messaging stops its consumers, so the test can look at the app meanwhile. */
    @Injectable()
    class SlowShutdown implements BeforeApplicationShutdown {
      async beforeApplicationShutdown(): Promise<void> {
        closing = true;
        await released;
      }
    }
    const state: FakeState = { databaseUp: true, brokerUp: true };
    const base = await start([fakeMessaging(state, new MessagingMetrics())], {}, [SlowShutdown]);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const queries = state.queries;
    const closed = app!.close();
    app = undefined;
    await vi.waitUntil(() => closing);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'SHUTTING_DOWN', ready: false, draining: true, down: [] });
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ live: true, draining: true });
    expect(state.queries).toBe(queries);
    release();
    await closed;
  });

  it('serves GET /metrics as Prometheus text: messaging and process metrics in one registry, labelled with the service', async () => {
    const messaging = new MessagingMetrics();
    messaging.published.inc({ type: 'order.placed.v1' }, 3);
    const extra = new Registry();
    new Counter({ name: 'shop_http_probe_total', help: 'probe', registers: [extra] }).inc();
    const base = await start([fakeMessaging({ databaseUp: true, brokerUp: true }, messaging)], { registries: [extra], metricsToken: METRICS_TOKEN });
    const response = await fetch(`${base}/metrics`, withMetricsToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('shop_outbox_published_total{type="order.placed.v1",service="order"} 3');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="order"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="order"\} /m);
    expect(text).toContain('shop_http_probe_total{service="order"} 1');
  });

  it('works without MessagingModule (the gateway): plain checks and process metrics', async () => {
    const base = await start([], { service: 'gateway', checks: { upstreams: () => true }, metricsToken: METRICS_TOKEN });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', checks: { upstreams: 'up' } });
    expect(await (await fetch(`${base}/health/ready`)).json()).toMatchObject({ ready: true, checks: { upstreams: { status: 'up' } } });
    const text = await (await fetch(`${base}/metrics`, withMetricsToken)).text();
    expect(text).toMatch(/^process_resident_memory_bytes\{service="gateway"\} /m);
    expect(text).not.toContain('shop_outbox');
  });

  it('serves GET /metrics only for the bearer metrics token: 401 problem+json without it or with another, 404 when none is configured', async () => {
    let base = await start([fakeMessaging({ databaseUp: true, brokerUp: true }, new MessagingMetrics())], { metricsToken: METRICS_TOKEN });
    for (const init of [{}, { headers: { authorization: `Bearer ${METRICS_TOKEN}-not` } }, { headers: { authorization: `Basic ${METRICS_TOKEN}` } }]) {
      const response = await fetch(`${base}/metrics`, init);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(text).not.toContain('process_');
    }
    await app?.close();
    base = await start([fakeMessaging({ databaseUp: true, brokerUp: true }, new MessagingMetrics())]);
    const response = await fetch(`${base}/metrics`, withMetricsToken);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});
