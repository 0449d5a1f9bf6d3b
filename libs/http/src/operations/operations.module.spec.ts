// GET /health and GET /metrics on a real Nest app, as a service wires them: checks that need the
// app's providers, the messaging registry found by injection, both served without a gateway token.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DATA_SOURCE, MessagingMetrics, TRANSPORT } from '@shop/messaging';
import { LOGGER, silentLogger } from '@shop/observability';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { configureHttpApp } from '../configure-http-app.js';
import { InternalTokenVerifier } from '../identity/internal-token.verifier.js';
import { messagingHealthChecks } from './messaging-health-checks.js';
import { OperationsModule, type OperationsOptions } from './operations.module.js';

/** Stands in for MessagingModule: a data source that answers or not, a transport that is ready or not. */
function fakeMessaging(state: { databaseUp: boolean; brokerUp: boolean }, metrics: MessagingMetrics): DynamicModule {
  @Global()
  @Module({})
  class FakeMessagingModule {}
  const dataSource = { query: async () => (state.databaseUp ? [{ '1': 1 }] : Promise.reject(new Error('ECONNREFUSED 10.1.2.3:5432'))) };
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

let app: NestExpressApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(imports: DynamicModule[], operations: Partial<OperationsOptions> = {}): Promise<string> {
  @Module({ imports: [...imports, OperationsModule.forService({ service: 'order', checks: messagingHealthChecks, ...operations })] })
  class ServiceModule {}
  app = await NestFactory.create<NestExpressApplication>(ServiceModule, { bodyParser: false, logger: false });
  configureHttpApp(app, { service: 'order', logger: silentLogger(), gatewayOnly: new InternalTokenVerifier('x'.repeat(32)) });
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

  it('serves GET /metrics as Prometheus text: messaging and process metrics in one registry, labelled with the service', async () => {
    const messaging = new MessagingMetrics();
    messaging.published.inc({ type: 'order.placed.v1' }, 3);
    const extra = new Registry();
    new Counter({ name: 'shop_http_probe_total', help: 'probe', registers: [extra] }).inc();
    const base = await start([fakeMessaging({ databaseUp: true, brokerUp: true }, messaging)], { registries: [extra] });
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('shop_outbox_published_total{type="order.placed.v1",service="order"} 3');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="order"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="order"\} /m);
    expect(text).toContain('shop_http_probe_total{service="order"} 1');
  });

  it('works without MessagingModule (the gateway): plain checks and process metrics', async () => {
    const base = await start([], { service: 'gateway', checks: { upstreams: () => true } });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', checks: { upstreams: 'up' } });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^process_resident_memory_bytes\{service="gateway"\} /m);
    expect(text).not.toContain('shop_outbox');
  });
});
