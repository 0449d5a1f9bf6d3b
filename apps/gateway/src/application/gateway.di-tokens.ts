/** Injection tokens of the gateway's ports (implemented in infrastructure, wired in gateway.module.ts). */
export const SERVICE_CLIENT = Symbol('gateway.ServiceClient');
export const ACCESS_TOKEN_VERIFIER = Symbol('gateway.AccessTokenVerifier');
export const RATE_LIMITER = Symbol('gateway.RateLimiter');
export const GATEWAY_TELEMETRY = Symbol('gateway.GatewayTelemetry');
export const LOGIN_THROTTLE = Symbol('gateway.LoginThrottle');
