import { AmqpTransport, type DlqCommandDeps } from '../../src/index.js';

/** `runDlqCommand`'s dependencies as the CLI has them, with what it prints kept for the test to read. */
export interface RecordingDlqCli extends DlqCommandDeps {
  readonly lines: string[];
  readonly errors: string[];
}

/** The dlq command's environment for a test: `env` in place of the shell's, its AMQP connection named `connectionName`. */
export function dlqCli(env: Record<string, string | undefined>, connectionName: string): RecordingDlqCli {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    env,
    connectAmqp: (url) => AmqpTransport.connect({ url, connectionName }),
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
  };
}
