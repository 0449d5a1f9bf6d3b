/**
 * The code of the domain error a call fails with, its name for any other error, or 'no error':
 * `expect(await codeOf(handler.execute(command))).toBe('NOT_PAYABLE')`.
 */
export const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) => (error as { code?: string } | undefined)?.code ?? (error instanceof Error ? error.name : 'unknown error'),
  );
