import { defineContexts } from './context.js';
import type { HttpRoute } from './http-route.js';
import { couponContext } from './coupon/coupon.context.js';
import { orderContext } from './order/order.context.js';
import { paymentContext } from './payment/payment.context.js';
import { pointsContext } from './points/points.context.js';
import { userContext } from './user/user.context.js';

// Each context's contracts (events, HTTP bodies, routes), for the code that speaks them.
export * from './user/index.js';
export * from './order/index.js';
export * from './coupon/index.js';
export * from './points/index.js';
export * from './payment/index.js';

/**
 * Every bounded context of the platform, in start order. A new context is one `defineContext` in
 * `libs/contracts/src/<ctx>/`, exported above and listed here: its published events, its subscriptions (the
 * manifest), its name and default port (the run modes, the gateway's `<NAME>_SERVICE_URL`) and its
 * HTTP routes (the gateway mounts and documents them) are all read from this list.
 */
export const CONTEXTS = defineContexts([userContext, orderContext, couponContext, pointsContext, paymentContext] as const);

export type ContextName = (typeof CONTEXTS)[number]['name'];

export const CONTEXT_NAMES: readonly ContextName[] = CONTEXTS.map((context) => context.name);

/** Every public HTTP route of the platform, context by context, in the order the OpenAPI document lists them. */
export const HTTP_ROUTES: readonly HttpRoute[] = CONTEXTS.flatMap((context) => context.routes);
