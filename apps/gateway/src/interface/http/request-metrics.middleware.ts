import type { ServerResponse } from 'node:http';
import type { GatewayTelemetry } from '../../application/ports/gateway-telemetry.js';
import type { GatewayRequest } from './gateway-request.js';

/**
 * Counts every answer by method, route template (`unmatched` for anything no route took, so that
 * scanners cannot blow up the series) and status. Install it first: then refused bodies count too.
 */
export function requestMetricsMiddleware(telemetry: GatewayTelemetry) {
  return (request: GatewayRequest, response: ServerResponse, next: () => void): void => {
    const started = performance.now();
    response.once('finish', () => {
      const route = typeof request.route?.path === 'string' ? request.route.path : 'unmatched';
      telemetry.requestServed({ method: request.method ?? 'UNKNOWN', route, status: response.statusCode }, (performance.now() - started) / 1000);
    });
    next();
  };
}
