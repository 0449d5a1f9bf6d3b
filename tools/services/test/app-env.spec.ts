import { describe, expect, it } from 'vitest';
import { appEnv, servicesEnv } from '../app-env.mjs';

describe('start:services app environment', () => {
  it('puts every service on loopback, whatever HOST the shell exported', () => {
    for (const env of [{}, { HOST: '0.0.0.0' }]) {
      expect(appEnv({ name: 'user', port: 3001 }, env)).toMatchObject({ HOST: '127.0.0.1', PORT: '3001' });
    }
  });

  it('passes the tracing variables on, but not one OTEL_SERVICE_NAME for every app (each names itself)', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_SERVICE_NAME: 'shop' };
    const order = appEnv({ name: 'order', port: 3003 }, env);
    expect(order).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' });
    expect(order).not.toHaveProperty('OTEL_SERVICE_NAME');
  });

  it('puts the gateway on loopback unless HOST says otherwise', () => {
    expect(appEnv({ name: 'gateway', port: 3000 }, {})).toMatchObject({ HOST: '127.0.0.1', PORT: '3000' });
    expect(appEnv({ name: 'gateway', port: 3000 }, { HOST: '0.0.0.0' })).toMatchObject({ HOST: '0.0.0.0' });
  });
});

describe('start:services shared environment', () => {
  const secrets = { jwtSecret: 'j'.repeat(64), internalAuthSecret: 'i'.repeat(64), paymentWebhookSecret: 'w'.repeat(64) };

  it('gives every app the development secrets, the local servers, the payment sandbox and the demo catalog', () => {
    const seen: Record<string, string | undefined>[] = [];
    const env = servicesEnv({ SHOP_DATA_DIR: '/tmp/x' }, (shared) => (seen.push(shared), secrets));
    expect(env).toMatchObject({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432',
      JWT_SECRET: secrets.jwtSecret,
      INTERNAL_AUTH_SECRET: secrets.internalAuthSecret,
      PAYMENT_WEBHOOK_SECRET: secrets.paymentWebhookSecret,
      PAYMENT_SANDBOX: 'true',
      ORDER_DEMO_CATALOG: 'true',
    });
    expect(seen[0]).toMatchObject({ SHOP_DATA_DIR: '/tmp/x' });
  });

  it('keeps the sandbox off when told so; an exported empty variable is passed on as set (the payment service names it invalid), like ORDER_DEMO_CATALOG', () => {
    expect(servicesEnv({ PAYMENT_SANDBOX: 'false' }, () => secrets).PAYMENT_SANDBOX).toBe('false');
    expect(servicesEnv({ PAYMENT_SANDBOX: '' }, () => secrets).PAYMENT_SANDBOX).toBe('');
    expect(servicesEnv({ ORDER_DEMO_CATALOG: 'false' }, () => secrets).ORDER_DEMO_CATALOG).toBe('false');
  });

  it('takes the servers of the environment, not an empty one', () => {
    const env = servicesEnv({ AMQP_URL: '', POSTGRES_URL: 'postgres://db:5432' }, () => secrets);
    expect(env).toMatchObject({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', POSTGRES_URL: 'postgres://db:5432' });
  });
});
