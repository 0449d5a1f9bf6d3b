import { RequestMapping, RequestMethod, SetMetadata, applyDecorators } from '@nestjs/common';
import type { ServiceName } from '../../application/service-name.js';
import type { ContractSchemaName } from '../openapi/api-schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteResponse {
  readonly description: string;
  /** The body's schema (JSON); none for an answer without a body. */
  readonly schema?: ContractSchemaName;
  /** An `application/problem+json` answer. */
  readonly problem?: true;
}

/**
 * One public route of the API and the service that serves it: what the forwarder calls, what the
 * access guard checks, what the OpenAPI document says. Statuses every route shares (400, 401, 413,
 * 429, 503, 504) are added by the document; list here what is the route's own.
 */
export interface GatewayRoute {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** Below `/api/v1`, OpenAPI style: `/orders/{orderId}`. The service serves the same path. */
  readonly path: string;
  readonly service: ServiceName;
  /** `user`: a valid bearer access token is required. */
  readonly access: 'anonymous' | 'user';
  readonly tag: string;
  readonly summary: string;
  readonly requestBody?: ContractSchemaName;
  readonly responses: Readonly<Record<number, RouteResponse>>;
}

export const GATEWAY_ROUTE = Symbol('gateway.route');

/** `/orders/{orderId}` → `/orders/:orderId` */
export const nestPathOf = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/** Maps a controller method to a route of the table: its method and path, and the route itself for the guard. */
export const Forwards = (route: GatewayRoute): MethodDecorator =>
  applyDecorators(RequestMapping({ path: nestPathOf(route.path), method: RequestMethod[route.method] }), SetMetadata(GATEWAY_ROUTE, route));
