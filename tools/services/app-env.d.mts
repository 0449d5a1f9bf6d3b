/** Loopback: where start:services puts every service, and the gateway unless `HOST` is set. */
export declare const LOOPBACK: string;
/** `env` with the app's `PORT` and the `HOST` it listens on. */
export declare function appEnv(
  app: { readonly name: string; readonly port: number },
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined>;
/** The secrets `start:services` shares between its apps (`developmentSecrets` of @shop/embedded). */
export interface ServicesSecrets {
  readonly jwtSecret: string;
  readonly internalAuthSecret: string;
  readonly paymentWebhookSecret: string;
}
/** The environment every app shares: local AMQP/PostgreSQL defaults, the development secrets, `PAYMENT_SANDBOX` on unless set. */
export declare function servicesEnv(
  processEnv: Readonly<Record<string, string | undefined>>,
  secretsOf: (env: Readonly<Record<string, string | undefined>>) => ServicesSecrets,
): Record<string, string | undefined>;
