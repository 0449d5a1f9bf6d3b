import {
  Controller,
  Inject,
  Req,
  RequestMapping,
  RequestMethod,
  Res,
  SetMetadata,
  UseGuards,
  UseInterceptors,
  applyDecorators,
  type Type,
} from '@nestjs/common';
import type { HttpRoute } from '@shop/contracts';
import type { FastifyReply } from 'fastify';
import { FORWARDED_ROUTE, GatewayAccessGuard } from './gateway-access.guard.js';
import type { GatewayRequest } from './gateway-request.js';
import { LoginThrottleInterceptor } from './login-throttle.interceptor.js';
import { ServiceForwarder } from './service-forwarder.js';

const FORWARDER = Symbol('forwarder');

/** `/orders/{orderId}` → `/orders/:orderId` */
export const nestPathOf = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * One controller for every route of the table, made when the module is: each route gets a handler
 * (named after its operationId) with the decorators a hand-written one would carry, so Nest maps it,
 * runs the access guard and its pipeline (problem+json, metrics, 404 for what no route takes) as for
 * any controller, and the handler hands the request to the forwarder with its route.
 */
export function forwardingControllerFor(routes: readonly HttpRoute[]): Type<unknown> {
  class ForwardingController {
    // Under a symbol: a handler is named after any operationId, and a plain field would hide it.
    readonly [FORWARDER]: ServiceForwarder;
    constructor(forwarder: ServiceForwarder) {
      this[FORWARDER] = forwarder;
    }
  }
  Inject(ServiceForwarder)(ForwardingController, undefined, 0);
  const prototype = ForwardingController.prototype as unknown as Record<string, unknown>;
  for (const route of routes) {
    const name = route.operationId;
    if (name in prototype) throw new Error(`route ${route.method} ${route.path}: operationId '${name}' cannot name a handler (taken)`);
    const handler = {
      [name](this: ForwardingController, request: GatewayRequest, response: FastifyReply): Promise<void> {
        return this[FORWARDER].forward(route, request, response);
      },
    }[name]!;
    const descriptor: PropertyDescriptor = { value: handler, writable: true, configurable: true, enumerable: false };
    Object.defineProperty(prototype, name, descriptor);
    Req()(prototype, name, 0);
    Res()(prototype, name, 1);
    const decorators = [RequestMapping({ path: nestPathOf(route.path), method: RequestMethod[route.method] }), SetMetadata(FORWARDED_ROUTE, route)];
    // The login throttle on the routes that check credentials only: an interceptor costs every request it sees a trip through rxjs.
    if (route.credentials) decorators.push(UseInterceptors(LoginThrottleInterceptor));
    applyDecorators(...decorators)(prototype, name, descriptor);
  }
  Controller()(ForwardingController);
  UseGuards(GatewayAccessGuard)(ForwardingController);
  return ForwardingController;
}
