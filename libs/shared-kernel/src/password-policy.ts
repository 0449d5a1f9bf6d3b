/**
 * How long a password may be, in characters (code points; spaces count). Here because two places
 * must agree and the shared kernel is the one module both may import: the user domain's
 * `PlainPassword` refuses anything else itself, and the HTTP contract (`@shop/contracts`) publishes
 * the same bounds in its request schemas so that clients and the OpenAPI document know them.
 */
export const PASSWORD_POLICY = {
  minLength: 8,
  // An upper bound keeps a hash request from becoming a way to burn CPU.
  maxLength: 128,
} as const;
