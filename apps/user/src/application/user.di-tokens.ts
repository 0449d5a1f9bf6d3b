/**
 * DI tokens of the user context's ports. UNIT_OF_WORK and EVENT_OUTBOX come from
 * @shop/shared-kernel, the same for every context.
 */
export const USER_REPOSITORY = Symbol.for('shop.user.UserRepository');
export const PASSWORD_HASHER = Symbol.for('shop.user.PasswordHasher');
export const ACCESS_TOKEN_ISSUER = Symbol.for('shop.user.AccessTokenIssuer');
export const USER_CLOCK = Symbol.for('shop.user.Clock');
