import type { GatewayRoute } from './gateway-route.js';
import { USER_ROUTES } from './user.routes.js';

/** Every forwarded route, in the order the OpenAPI document lists them. A new context adds its table here. */
export const GATEWAY_ROUTES: readonly GatewayRoute[] = [...Object.values(USER_ROUTES)];
