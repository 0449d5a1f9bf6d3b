/**
 * What a password must be. Here because two places must agree and the shared kernel is the one
 * module both may import: the user domain's `PlainPassword` refuses anything else itself, and the
 * HTTP contract (`@shop/contracts`) publishes the same bounds in its request schemas so that clients
 * and the OpenAPI document know them.
 */
export const PASSWORD_POLICY = {
  /** In characters (code points; spaces count). */
  minLength: 8,
  // An upper bound keeps a hash request from becoming a way to burn CPU.
  maxLength: 128,
} as const;

// Characters that show nothing: white space, control and format characters (zero-width spaces and
// joiners, direction marks and overrides, BOM), the other default-ignorable ones (Hangul fillers,
// variation selectors), lone combining marks, unassigned and surrogate code points, the blank braille cell.
const VISIBLE = /[^\s\p{C}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** Does the text show at least one character (not only white space, invisible or format characters)? */
export const hasVisibleCharacter = (text: string): boolean => VISIBLE.test(text);

/**
 * What is wrong with a candidate password, or null. Spaces and any other characters are welcome (a
 * passphrase is a fine password), but one made only of invisible characters is a blank one.
 */
export function passwordPolicyProblem(candidate: string): string | null {
  const length = [...candidate].length;
  if (length < PASSWORD_POLICY.minLength) return `must be at least ${PASSWORD_POLICY.minLength} characters`;
  if (length > PASSWORD_POLICY.maxLength) return `must be at most ${PASSWORD_POLICY.maxLength} characters`;
  if (!hasVisibleCharacter(candidate)) return 'must contain a visible character, not only spaces or invisible characters';
  return null;
}
