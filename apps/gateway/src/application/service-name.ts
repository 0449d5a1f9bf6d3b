/**
 * The contexts behind the gateway. A new one is one more name here: its URL variable
 * (`<NAME>_SERVICE_URL`), its default port, its health check and its circuit breaker follow.
 */
export const SERVICE_NAMES = ['user'] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];
