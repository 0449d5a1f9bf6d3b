import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { PublicEndpoint } from '../identity/identity.decorators.js';
import { PROBLEM_CONTENT_TYPE, problemDetails } from '../problem/problem-details.js';
import type { HealthChecks, ReadinessReport } from './health-checks.js';

export const HEALTH_CHECKS = Symbol.for('shop.http.HealthChecks');
export const METRICS_REGISTRY = Symbol.for('shop.http.MetricsRegistry');

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.statusCode = status;
  response.setHeader('content-type', contentType);
  response.setHeader('cache-control', 'no-store');
  response.end(body);
}

/** The 503 answer of `/health/ready`: problem+json naming what is down, with every check's detail. */
export function notReadyProblem(report: ReadinessReport, instance: string): Record<string, unknown> {
  const down = Object.entries(report.checks)
    .filter(([, result]) => result.status === 'down')
    .map(([name]) => name);
  const problem = report.draining
    ? { status: 503, code: 'SHUTTING_DOWN', detail: 'This instance is shutting down: send requests to another one.' }
    : { status: 503, code: 'NOT_READY', detail: `Not ready: ${down.join(', ')} down.` };
  return { ...problemDetails(problem, { instance }), ...report, down };
}

/**
 * `GET /health/live`: the process answers (nothing else is touched, so a database outage never gets a
 * live instance restarted). `GET /health/ready`: 200 when every check is up, else 503 problem+json
 * naming what is down (also while shutting down). `GET /health`: the readiness checks in the shape
 * they always had, for the probes already pointed at it.
 */
@PublicEndpoint()
@Controller()
export class HealthController {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthChecks) {}

  @Get('health/live')
  live(@Res() response: ServerResponse): void {
    send(response, 200, JSON_CONTENT_TYPE, JSON.stringify({ live: true, draining: this.checks.draining }));
  }

  @Get('health/ready')
  async ready(@Res() response: ServerResponse): Promise<void> {
    const report = await this.checks.readiness();
    if (report.ready) return send(response, 200, JSON_CONTENT_TYPE, JSON.stringify(report));
    const instance = (response.req as { originalUrl?: string } | undefined)?.originalUrl ?? '/health/ready';
    send(response, 503, `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, JSON.stringify(notReadyProblem(report, instance)));
  }

  @Get('health')
  async health(@Res() response: ServerResponse): Promise<void> {
    const report = await this.checks.run();
    send(response, report.status === 'ok' ? 200 : 503, JSON_CONTENT_TYPE, JSON.stringify(report));
  }
}

/** `GET /metrics`: Prometheus text. */
@PublicEndpoint()
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  async metrics(@Res() response: ServerResponse): Promise<void> {
    send(response, 200, this.registry.contentType, await this.registry.metrics());
  }
}
