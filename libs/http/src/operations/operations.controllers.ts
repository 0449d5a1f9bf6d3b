import { Controller, Get, Inject, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { PublicEndpoint } from '../identity/identity.decorators.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { PROBLEM_CONTENT_TYPE, problemDetails } from '../problem/problem-details.js';
import { pathOf } from '../request-path.js';
import type { HealthChecks, ReadinessReport } from './health-checks.js';

export const HEALTH_CHECKS = Symbol.for('shop.http.HealthChecks');
export const METRICS_REGISTRY = Symbol.for('shop.http.MetricsRegistry');

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function send(response: FastifyReply, status: number, contentType: string, body: string): void {
  void response.status(status).header('content-type', contentType).header('cache-control', 'no-store').send(body);
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
  live(@Res() response: FastifyReply): void {
    send(response, 200, JSON_CONTENT_TYPE, JSON.stringify({ live: true, draining: this.checks.draining }));
  }

  @Get('health/ready')
  async ready(@Res() response: FastifyReply): Promise<void> {
    const report = await this.checks.readiness();
    if (report.ready) return send(response, 200, JSON_CONTENT_TYPE, JSON.stringify(report));
    const instance = pathOf(response.request.originalUrl ?? '/health/ready');
    send(response, 503, `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, JSON.stringify(notReadyProblem(report, instance)));
  }

  @Get('health')
  async health(@Res() response: FastifyReply): Promise<void> {
    const report = await this.checks.run();
    send(response, report.status === 'ok' ? 200 : 503, JSON_CONTENT_TYPE, JSON.stringify(report));
  }
}

/** `GET /metrics`: Prometheus text, for the bearer `METRICS_TOKEN` only (no gateway token needed). */
@PublicEndpoint()
@UseGuards(MetricsTokenGuard)
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  async metrics(@Res() response: FastifyReply): Promise<void> {
    send(response, 200, this.registry.contentType, await this.registry.metrics());
  }
}
