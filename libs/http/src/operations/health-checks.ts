import type { Logger } from '@shop/observability';
import { withDeadline } from '@shop/shared-kernel';

/** Fails by throwing, rejecting, resolving `false`, or not answering in time. */
export type HealthCheck = () => unknown;

/** A check with its own deadline (the default is the `HealthChecks` one). */
export interface TimedHealthCheck {
  readonly check: HealthCheck;
  readonly timeoutMs?: number;
}

export type CheckState = 'up' | 'down';

/** Why a check is down, in words safe for a public answer (the error itself goes to the log only). */
export type CheckFailure = 'timeout' | 'error' | 'reported-down';

export interface CheckResult {
  readonly status: CheckState;
  /** How long the check took (a check left behind at its deadline: the deadline). */
  readonly durationMs: number;
  readonly reason?: CheckFailure;
}

/** `GET /health`: the shape it has always had. */
export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Readonly<Record<string, CheckState>>;
}

/** `GET /health/ready`: every check with its detail; `draining` once the service has begun to shut down. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly draining: boolean;
  /** When the checks ran (ISO 8601): an answer served from the cache is this old. */
  readonly checkedAt: string;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export interface HealthChecksOptions {
  /** Deadline of a check without its own (default `DEFAULT_CHECK_TIMEOUT_MS`). */
  readonly timeoutMs?: number;
  /** How long a finished run answers later readiness requests (default 0: every request runs the checks, concurrent ones share a run). */
  readonly cacheMs?: number;
  /** Milliseconds from an arbitrary origin (tests). */
  readonly now?: () => number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

/**
 * A service's readiness checks, run side by side, each bounded by its deadline. Requests arriving
 * while a run is in flight share it, and a finished run answers for `cacheMs`; a check still running
 * from an earlier run (one that hung past its deadline) is awaited again rather than started a
 * second time, so probes never pile queries onto a database that has stopped answering. Once
 * `startDraining()` is called (the service is shutting down) readiness answers not ready without
 * running anything, while liveness, which never runs a check, still answers.
 */
export class HealthChecks {
  private readonly checks: ReadonlyArray<readonly [string, TimedHealthCheck]>;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly pending = new Map<string, Promise<unknown>>();
  private running: Promise<ReadinessReport> | undefined;
  private cached: { readonly report: ReadinessReport; readonly at: number } | undefined;
  private drainingSince: string | undefined;

  constructor(
    checks: Readonly<Record<string, HealthCheck | TimedHealthCheck>>,
    private readonly logger: Logger,
    options: HealthChecksOptions = {},
  ) {
    this.checks = Object.entries(checks).map(([name, check]) => [name, typeof check === 'function' ? { check } : check] as const);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    this.cacheMs = options.cacheMs ?? 0;
    this.now = options.now ?? (() => performance.now());
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** From now on readiness answers not ready: a load balancer takes the instance out while it finishes its work. */
  startDraining(): void {
    this.drainingSince ??= new Date().toISOString();
  }

  async readiness(): Promise<ReadinessReport> {
    if (this.drainingSince !== undefined) return { ready: false, draining: true, checkedAt: this.drainingSince, checks: {} };
    return this.report();
  }

  /** The checks alone, in the shape of `GET /health` (which predates draining and ignores it). */
  async run(): Promise<HealthReport> {
    const report = await this.report();
    const checks = Object.fromEntries(Object.entries(report.checks).map(([name, result]) => [name, result.status]));
    return { status: report.ready ? 'ok' : 'unavailable', checks };
  }

  private report(): Promise<ReadinessReport> {
    if (this.cached && this.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.report);
    this.running ??= this.runAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runAll(): Promise<ReadinessReport> {
    const checkedAt = new Date().toISOString();
    const results = await Promise.all(this.checks.map(async ([name, check]) => [name, await this.result(name, check)] as const));
    const report: ReadinessReport = {
      ready: results.every(([, result]) => result.status === 'up'),
      draining: false,
      checkedAt,
      checks: Object.fromEntries(results),
    };
    this.cached = { report, at: this.now() };
    return report;
  }

  private async result(name: string, { check, timeoutMs = this.timeoutMs }: TimedHealthCheck): Promise<CheckResult> {
    const started = this.now();
    const elapsed = () => Math.round(this.now() - started);
    const late = Symbol('late');
    try {
      const outcome = await withDeadline(this.pendingOrStart(name, check), timeoutMs, () => late);
      if (outcome === late) {
        this.logger.warn({ check: name, timeoutMs }, 'health check did not answer in time');
        return { status: 'down', durationMs: elapsed(), reason: 'timeout' };
      }
      if (outcome === false) {
        this.logger.warn({ check: name }, 'health check reported down');
        return { status: 'down', durationMs: elapsed(), reason: 'reported-down' };
      }
      return { status: 'up', durationMs: elapsed() };
    } catch (error) {
      // The reason stays in the log: health answers are public.
      this.logger.warn({ check: name, err: error }, 'health check failed');
      return { status: 'down', durationMs: elapsed(), reason: 'error' };
    }
  }

  private pendingOrStart(name: string, check: HealthCheck): Promise<unknown> {
    const running = this.pending.get(name);
    if (running) return running;
    const started = Promise.resolve()
      .then(check)
      .finally(() => this.pending.delete(name));
    // Whoever awaits it sees a failure; this only keeps a check abandoned at its deadline from being an unhandled rejection.
    started.catch(() => undefined);
    this.pending.set(name, started);
    return started;
  }
}
