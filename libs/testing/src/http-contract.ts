import type { HttpRouteDefinition } from '@shop/contracts';

/** A reply that keeps the headers set on it (lower-cased, as Fastify's would send them), for a controller called directly. */
export function capturingReply() {
  const headers: Record<string, string> = {};
  const reply = {
    header(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return reply;
    },
  };
  return { reply, headers };
}

/**
 * The problem codes the routes document: every `` `CODE` `` in a response's description, with that
 * response's status (only those of `status` when given). A service's error-status map is held to it.
 */
export function documentedCodes(routes: Readonly<Record<string, HttpRouteDefinition>>, status?: number): { code: string; status: number }[] {
  return Object.values(routes).flatMap((route) =>
    Object.entries(route.responses).flatMap(([answer, response]) =>
      status !== undefined && Number(answer) !== status
        ? []
        : [...response.description.matchAll(/`([A-Z_]+)`/g)].map((match) => ({ code: match[1]!, status: Number(answer) })),
    ),
  );
}
