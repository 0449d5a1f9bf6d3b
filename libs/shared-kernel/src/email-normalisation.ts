/**
 * The form of an e-mail address that names an account: trimmed and lower-cased, as the user
 * context's `Email` compares addresses. For whatever must count or look up "the same account"
 * outside that context (the gateway's failed-login counter), so `Ada@Example.com ` and
 * `ada@example.com` are one account there too. No validation: a wrong address is still counted.
 */
export const normaliseEmail = (raw: string): string => raw.trim().toLowerCase();
