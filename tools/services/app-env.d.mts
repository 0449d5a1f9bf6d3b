/** Loopback: where start:services puts every service, and the gateway unless `HOST` is set. */
export declare const LOOPBACK: string;
/** `env` with the app's `PORT` and the `HOST` it listens on. */
export declare function appEnv(
  app: { readonly name: string; readonly port: number },
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined>;
