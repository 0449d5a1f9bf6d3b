import type { Logger } from '@shop/observability';
import { withDeadline } from '@shop/shared-kernel';

/** Fails by throwing, rejecting, resolving `false`, or not answering in time. */
export type HealthCheck = () => unknown;

export type CheckState = 'up' | 'down';

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Readonly<Record<string, CheckState>>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

/** Runs a service's readiness checks side by side, each bounded in time. */
export class HealthChecks {
  constructor(
    private readonly checks: Readonly<Record<string, HealthCheck>>,
    private readonly logger: Logger,
    private readonly timeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS,
  ) {}

  async run(): Promise<HealthReport> {
    const states = await Promise.all(Object.entries(this.checks).map(async ([name, check]) => [name, await this.state(name, check)] as const));
    const checks = Object.fromEntries(states);
    return { status: states.every(([, state]) => state === 'up') ? 'ok' : 'unavailable', checks };
  }

  private async state(name: string, check: HealthCheck): Promise<CheckState> {
    try {
      const result = await withDeadline(Promise.resolve().then(check), this.timeoutMs, () => {
        throw new Error(`no answer within ${this.timeoutMs} ms`);
      });
      if (result === false) throw new Error('reported not ready');
      return 'up';
    } catch (error) {
      // The reason stays in the log: /health is public.
      this.logger.warn({ check: name, err: error }, 'health check failed');
      return 'down';
    }
  }
}
