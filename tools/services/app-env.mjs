// The environment of one app started by `npm run start:services`.

export const LOOPBACK = '127.0.0.1';

/**
 * `env` with the app's port and the interface it listens on: loopback for every service, which only
 * the gateway on this machine calls (an open port on every interface would take calls from the
 * network, past the gateway); the gateway too unless `HOST` is set, to offer the API to others.
 * Every other variable passes through (the tracing ones among them), but `OTEL_SERVICE_NAME`: one
 * name exported in the shell would give six processes' spans the same service.
 */
export function appEnv(app, env) {
  const { OTEL_SERVICE_NAME: _oneNameForAll, ...rest } = env;
  return { ...rest, PORT: String(app.port), HOST: app.name === 'gateway' ? env.HOST || LOOPBACK : LOOPBACK };
}

/**
 * The environment every app of `start:services` shares: the local servers unless set, the development
 * secrets (`secretsOf` reads or makes them; the environment's own win), the payment sandbox and the demo catalog.
 */
export function servicesEnv(processEnv, secretsOf) {
  // `||`, not a spread: an exported but empty AMQP_URL= would otherwise put every process on an in-process transport of its own.
  const env = {
    ...processEnv,
    AMQP_URL: processEnv.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
    POSTGRES_URL: processEnv.POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432',
  };
  const secrets = secretsOf(env);
  env.JWT_SECRET = secrets.jwtSecret;
  env.INTERNAL_AUTH_SECRET = secrets.internalAuthSecret;
  env.PAYMENT_WEBHOOK_SECRET = secrets.paymentWebhookSecret;
  // The sandbox provider takes the payments, as in the embedded mode: this local run has no real provider
  // to talk to, and the payment service refuses to start without one. PAYMENT_SANDBOX set in the environment
  // wins, as every variable does: `false`, and an empty one too, which the payment service then refuses by name.
  env.PAYMENT_SANDBOX = processEnv.PAYMENT_SANDBOX ?? 'true';
  // A local try-out, like `npm start`: something to order from the first start (the order service alone seeds nothing).
  env.ORDER_DEMO_CATALOG = processEnv.ORDER_DEMO_CATALOG ?? 'true';
  return env;
}
