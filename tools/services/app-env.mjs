// The environment of one app started by `npm run start:services`.

export const LOOPBACK = '127.0.0.1';

/**
 * `env` with the app's port and the interface it listens on: loopback for every service, which only
 * the gateway on this machine calls (an open port on every interface would take calls from the
 * network, past the gateway); the gateway too unless `HOST` is set, to offer the API to others.
 */
export function appEnv(app, env) {
  return { ...env, PORT: String(app.port), HOST: app.name === 'gateway' ? env.HOST || LOOPBACK : LOOPBACK };
}
