/** Injection tokens of the gateway's ports (implemented in infrastructure, wired in gateway.module.ts). */
export const SERVICE_CLIENT = Symbol('gateway.ServiceClient');
export const ACCESS_TOKEN_VERIFIER = Symbol('gateway.AccessTokenVerifier');
export const RATE_LIMITER = Symbol('gateway.RateLimiter');
/** The per-address limit of the routes whose body its sender signs (provider callbacks), apart from RATE_LIMITER's. */
export const SIGNED_RATE_LIMITER = Symbol('gateway.SignedRateLimiter');
export const GATEWAY_TELEMETRY = Symbol('gateway.GatewayTelemetry');
export const LOGIN_THROTTLE = Symbol('gateway.LoginThrottle');
