import type { ContextDefinition } from '@shop/contracts';

/**
 * A context behind the gateway, by its name in the list of contexts (`CONTEXTS` in `@shop/contracts`):
 * `user`, … Its `<NAME>_SERVICE_URL`, its circuit breaker, its health check and the `upstream` label
 * of its metrics follow from the list; nothing in the gateway names a context.
 */
export type ServiceName = ContextDefinition['name'];
