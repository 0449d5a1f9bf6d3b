import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './security-headers.js';

const OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  strictTransportSecurity: false,
  crossOriginResourcePolicy: { policy: 'same-origin' as const },
};

async function headersFrom(register: (app: ReturnType<typeof Fastify>) => void, url: string) {
  const app = Fastify();
  register(app);
  app.get('/here', (_request, reply) => reply.send({ ok: true }));
  try {
    const { headers } = await app.inject({ method: 'GET', url });
    delete headers['date'];
    return headers;
  } finally {
    await app.close();
  }
}

describe('securityHeaders', () => {
  it("sets exactly @fastify/helmet's headers, on a route and on a 404 alike", async () => {
    for (const url of ['/here', '/nowhere']) {
      const once = await headersFrom((app) => void app.register(securityHeaders(OPTIONS)), url);
      const perRequest = await headersFrom((app) => void app.register(helmet, { ...OPTIONS, global: true }), url);
      expect(once).toEqual(perRequest);
      expect(once['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    }
  });
});
