/**
 * What a thrown value says, for a log field or a stored last error: an Error's message (its name when
 * the message is empty), never its stack; anything else as a string.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.length > 0 ? error.message : error.name;
  return String(error);
}
