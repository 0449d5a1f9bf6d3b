import type { ServiceName } from '../../application/service-name.js';

/**
 * Asks a service's own `GET /health/ready` whether it is ready, straight past its circuit breaker:
 * the gateway's readiness reports what the services say, and a probe never opens or closes a
 * circuit. Each call is bounded by `timeoutMs` (the request is aborted, so a hung service holds no
 * socket past it); how often the services are asked is the gateway's readiness cache's business.
 */
export class FetchServiceHealthProbe {
  constructor(
    private readonly serviceUrls: Readonly<Record<ServiceName, string>>,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {}

  async isUp(service: ServiceName): Promise<boolean> {
    const response = await this.fetchImpl(`${this.serviceUrls[service].replace(/\/+$/, '')}/health/ready`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer();
    return response.status === 200;
  }
}
