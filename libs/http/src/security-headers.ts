import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** Headers of the probe's own answer, not helmet's. */
const ANSWER_OWN = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers @fastify/helmet sets with these options, read once from a throwaway server's answer:
 * they do not depend on the request (no CSP nonces here).
 */
export async function helmetHeadersOf(options: FastifyHelmetOptions): Promise<ReadonlyArray<readonly [string, string]>> {
  const probe = Fastify();
  try {
    await probe.register(helmet, { ...options, global: true });
    probe.get('/', (_request, reply) => reply.send(''));
    const answer = await probe.inject({ method: 'GET', url: '/' });
    return Object.entries(answer.headers)
      .filter((entry): entry is [string, string] => !ANSWER_OWN.has(entry[0]) && typeof entry[1] === 'string')
      .map(([name, value]) => [name, value] as const);
  } finally {
    await probe.close();
  }
}

/**
 * Helmet's headers on every answer, from the first hooks on, as `@fastify/helmet` with `global: true`
 * puts them, but computed once: that plugin builds helmet's middleware from its options again on each
 * request, which was some 4–6 % of a service's or the gateway's CPU under load.
 */
export function securityHeaders(options: FastifyHelmetOptions) {
  const plugin = async (fastify: FastifyInstance): Promise<void> => {
    const headers = await helmetHeadersOf(options);
    fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      done();
    });
  };
  // What fastify-plugin does: the hook belongs to the whole app, not to an encapsulated child context.
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
