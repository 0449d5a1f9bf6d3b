import type { ServiceName } from '../../application/service-name.js';

/**
 * Asks a service's own `GET /health` whether it is ready, straight past its circuit breaker: the
 * gateway's health reports what the services say now, and a probe never opens or closes a circuit.
 */
export class FetchServiceHealthProbe {
  constructor(
    private readonly serviceUrls: Readonly<Record<ServiceName, string>>,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {}

  async isUp(service: ServiceName): Promise<boolean> {
    const response = await this.fetchImpl(`${this.serviceUrls[service].replace(/\/+$/, '')}/health`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer();
    return response.status === 200;
  }
}
