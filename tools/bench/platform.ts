import { randomBytes } from 'node:crypto';

/** The secrets a bench's services and gateway share, fresh for each run. */
export interface PlatformSecrets {
  readonly jwtSecret: string;
  readonly internalSecret: string;
  /** The payment service's `PAYMENT_WEBHOOK_SECRET` (the sandbox signs its callbacks with it). */
  readonly paymentWebhookSecret: string;
}

export const newPlatformSecrets = (): PlatformSecrets => ({
  jwtSecret: randomBytes(48).toString('base64'),
  internalSecret: randomBytes(48).toString('base64'),
  paymentWebhookSecret: randomBytes(48).toString('base64'),
});

/**
 * The environment of one context's service in the distributed mode, as the benches start it: loopback
 * on `port`, the broker at `amqpUrl`, its own database `databaseUrl` (`<NAME>_DATABASE_URL`), the run's
 * secrets, no admin unless `extra` names one. The payment service needs its webhook secret and a
 * provider: the built-in sandbox (PAYMENT_SANDBOX), its callbacks delivered in process unless `extra`
 * sets `PAYMENT_SANDBOX_CALLBACK_URL`. The other services ignore those. `extra` comes last.
 */
export function serviceEnvironment(
  service: string,
  options: {
    readonly port: number;
    readonly amqpUrl: string;
    readonly postgresUrl: string;
    readonly databaseUrl: string;
    readonly secrets: PlatformSecrets;
    readonly extra?: Readonly<Record<string, string>>;
  },
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    AMQP_URL: options.amqpUrl,
    POSTGRES_URL: options.postgresUrl,
    [`${service.toUpperCase()}_DATABASE_URL`]: options.databaseUrl,
    JWT_SECRET: options.secrets.jwtSecret,
    INTERNAL_AUTH_SECRET: options.secrets.internalSecret,
    SHOP_ADMIN_EMAIL: '',
    SHOP_ADMIN_PASSWORD: '',
    PAYMENT_SANDBOX: 'true',
    PAYMENT_WEBHOOK_SECRET: options.secrets.paymentWebhookSecret,
    ...options.extra,
  };
}
