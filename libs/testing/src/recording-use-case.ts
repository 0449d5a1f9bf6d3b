/** A use case stand-in: the commands it was given, oldest first, and its `execute`. */
export interface RecordingUseCase<R> {
  readonly commands: unknown[];
  execute(command: unknown): Promise<R>;
}

/**
 * A use case stand-in for an interface's spec (a controller, an event consumer): it records each command
 * and answers `result`, or throws it when it is an Error (to see what the caller does with a failure).
 * Hand it to the class under test in the use case's place: `new Consumer(recordingUseCase(outcome) as never, logger)`.
 */
export function recordingUseCase<R>(result: R): RecordingUseCase<R> {
  const commands: unknown[] = [];
  return {
    commands,
    execute: async (command: unknown) => {
      commands.push(command);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}
