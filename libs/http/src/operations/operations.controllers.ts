import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { PublicEndpoint } from '../identity/identity.decorators.js';
import type { HealthChecks } from './health-checks.js';

export const HEALTH_CHECKS = Symbol.for('shop.http.HealthChecks');
export const METRICS_REGISTRY = Symbol.for('shop.http.MetricsRegistry');

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.statusCode = status;
  response.setHeader('content-type', contentType);
  response.setHeader('cache-control', 'no-store');
  response.end(body);
}

/** `GET /health`: 200 when every check is up, 503 naming the one that is down. */
@PublicEndpoint()
@Controller()
export class HealthController {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthChecks) {}

  @Get('health')
  async health(@Res() response: ServerResponse): Promise<void> {
    const report = await this.checks.run();
    send(response, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(report));
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
