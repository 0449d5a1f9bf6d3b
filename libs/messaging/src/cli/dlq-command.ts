import { parseArgs } from 'node:util';
import { TransactionHost, openDataSource } from '@shop/persistence';
import { SqlDeadLetterStore } from '../memory/dead-letter-store.js';
import { messagingMigrations } from '../migrations/index.js';
import type { DeadLetter, DeadLetterAdmin } from '../transport/transport.js';

export const DLQ_USAGE = `Usage: npm run dlq -- <command> <service> [message-id …] [options]

Commands:
  list <service>                 one line per dead letter (oldest first)
  inspect <service> <id>         the dead letter in full: envelope, error, attempts
  replay <service> [<id> …]      sends the named dead letters (all if none named) back to the
                                 service's own queue, and removes them from the DLQ
  depth <service>                how many dead letters the service has

Options:
  --limit N          how many to list (default 50)
  --amqp-url URL     RabbitMQ (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --sqlite-dir DIR   embedded mode: read <DIR>/<service>.sqlite instead of RabbitMQ (list, inspect
                     and depth; replay runs in the embedded process itself)
`;

export interface DlqCommandDeps {
  /** Opens the AMQP dead-letter admin; injected so that tests and the CLI share the command. */
  connectAmqp(url: string): Promise<DeadLetterAdmin & { close(): Promise<void> }>;
  readonly env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
}

/** Runs one DLQ command; answers the process exit code. */
export async function runDlqCommand(argv: readonly string[], deps: DlqCommandDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { limit: { type: 'string' }, 'amqp-url': { type: 'string' }, 'sqlite-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    deps.err(`${(error as Error).message}\n\n${DLQ_USAGE}`);
    return 2;
  }
  const [command, service, ...ids] = parsed.positionals;
  if (parsed.values.help || !command) {
    deps.out(DLQ_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  if (!['list', 'inspect', 'replay', 'depth'].includes(command) || !service) {
    deps.err(`unknown command or missing service: '${[command, service].filter(Boolean).join(' ')}'\n\n${DLQ_USAGE}`);
    return 2;
  }
  const limit = Number(parsed.values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) {
    deps.err('--limit must be a whole number ≥ 1');
    return 2;
  }
  if (command === 'inspect' && ids.length !== 1) {
    deps.err('inspect takes exactly one message id');
    return 2;
  }

  const sqliteDir = parsed.values['sqlite-dir'];
  if (sqliteDir) {
    if (command === 'replay') {
      deps.err('replay in the embedded mode runs inside the embedded process; this command can only read its dead letters');
      return 2;
    }
    const dataSource = await openDataSource({ service, sqliteDir, entities: [], migrations: messagingMigrations });
    try {
      const store = new SqlDeadLetterStore(service, new TransactionHost(dataSource));
      return await answer(command, service, ids, limit, { list: (_service, l) => store.list(l ?? limit), depth: () => store.count(), find: (wanted) => store.find(wanted) }, deps);
    } finally {
      await dataSource.destroy();
    }
  }

  const url = parsed.values['amqp-url'] ?? deps.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
  const admin = await deps.connectAmqp(url);
  try {
    if (command === 'replay') {
      const replayed = await admin.replay(service, ids.length > 0 ? ids : undefined);
      deps.out(`replayed ${replayed} dead letter(s) to ${service}.events`);
      return ids.length > 0 && replayed < ids.length ? 1 : 0;
    }
    return await answer(command, service, ids, limit, { list: (s, l) => admin.list(s, l), depth: (s) => admin.depth(s), find: async (wanted) => (await admin.list(service, 10_000)).filter((d) => wanted.includes(d.messageId)) }, deps);
  } finally {
    await admin.close();
  }
}

interface Reader {
  list(service: string, limit?: number): Promise<DeadLetter[]>;
  depth(service: string): Promise<number>;
  find(ids: readonly string[]): Promise<DeadLetter[]>;
}

async function answer(command: string, service: string, ids: readonly string[], limit: number, reader: Reader, deps: DlqCommandDeps): Promise<number> {
  if (command === 'depth') {
    deps.out(String(await reader.depth(service)));
    return 0;
  }
  if (command === 'inspect') {
    const [letter] = await reader.find(ids);
    if (!letter) {
      deps.err(`no dead letter with message id ${ids[0]}`);
      return 1;
    }
    deps.out(JSON.stringify(letter, null, 2));
    return 0;
  }
  const letters = await reader.list(service, limit);
  for (const letter of letters) {
    deps.out([letter.messageId, letter.type, `attempts=${letter.attempts}`, letter.failedAt, letter.error.replace(/\s+/g, ' ').slice(0, 200)].join('\t'));
  }
  deps.out(`${letters.length} dead letter(s) listed`);
  return 0;
}
