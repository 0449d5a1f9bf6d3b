import { parseArgs } from 'node:util';
import { TransactionHost, openExistingServiceDatabase, type ExistingDatabaseChoice } from '@shop/persistence';
import type { DataSource } from 'typeorm';
import { SqlDeadLetterStore } from '../memory/dead-letter-store.js';
import { DeadOutboxRows } from '../outbox/dead-outbox-rows.js';
import type { DeadLetter, DeadLetterAdmin } from '../transport/transport.js';

export const DLQ_USAGE = `Usage: npm run dlq -- <command> <service> [message-id …] [options]

Dead letters (messages a service's handlers gave up on; RabbitMQ, or --sqlite-dir):
  list <service>                 one line per dead letter (oldest first)
  inspect <service> <id>         the dead letter in full: envelope, error, attempts
  replay <service> [<id> …]      sends the named dead letters (all if none named) back to the
                                 service's own queue, and removes them from the DLQ
  depth <service>                how many dead letters the service has

Dead outbox rows (events the service could not publish OUTBOX_MAX_ATTEMPTS times; its database):
  outbox-list <service>          one line per row (oldest first): seq, message id, type, aggregate
                                 #sequence, attempts, dead at, last error, trace=<trace id> when
                                 the event was written while tracing
  outbox-replay <service> [<id> …]
                                 puts the named rows (all if none named) back on the pending queue
                                 (attempts 0, due now); the relay publishes them on its next pass
  outbox-discard <service> <id> … | --all
                                 drops the named rows (or all) for good: never published; the
                                 event stays in the outbox table until pruned

Options:
  --limit N            how many to list (default 50)
  --amqp-url URL       RabbitMQ (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --postgres-url URL   outbox-*: the PostgreSQL server; the database is shop_<service>, whatever
                       database the URL names (default: $<SERVICE>_DATABASE_URL, a full URL used as
                       it is, else $POSTGRES_URL). The database must exist: it is never created
  --sqlite-dir DIR     embedded mode: use <DIR>/<service>.sqlite instead (never created nor
                       migrated). list, inspect, depth and outbox-list any time (read-only);
                       outbox-replay and outbox-discard while the embedded process is stopped
                       (replay of dead letters runs inside that process)
  --all                outbox-discard: every dead outbox row
`;

const OUTBOX_COMMANDS = ['outbox-list', 'outbox-replay', 'outbox-discard'];

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
      options: {
        limit: { type: 'string' },
        'amqp-url': { type: 'string' },
        'postgres-url': { type: 'string' },
        'sqlite-dir': { type: 'string' },
        all: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
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
  if (![...OUTBOX_COMMANDS, 'list', 'inspect', 'replay', 'depth'].includes(command) || !service) {
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
  if (OUTBOX_COMMANDS.includes(command)) {
    if (command === 'outbox-discard' && ids.length === 0 && !parsed.values.all) {
      deps.err('outbox-discard drops events for good: name their message ids, or say --all');
      return 2;
    }
    return deadOutboxRows(command, service, ids, limit, { sqliteDir, postgresUrl: parsed.values['postgres-url'] }, deps);
  }
  if (sqliteDir) {
    if (command === 'replay') {
      deps.err('replay in the embedded mode runs inside the embedded process; this command can only read its dead letters');
      return 2;
    }
    const opened = await openExistingServiceDatabase(service, { sqliteDir }, deps.env, { applicationName: 'shop-dlq', readOnly: true });
    if (typeof opened === 'string') {
      deps.err(opened);
      return 2;
    }
    const dataSource = opened;
    try {
      const store = new SqlDeadLetterStore(service, new TransactionHost(dataSource));
      return await answer(
        command,
        service,
        ids,
        limit,
        { list: (_service, l) => store.list(l ?? limit), depth: () => store.count(), find: (wanted) => store.find(wanted) },
        deps,
      );
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
    return await answer(
      command,
      service,
      ids,
      limit,
      {
        list: (s, l) => admin.list(s, l),
        depth: (s) => admin.depth(s),
        find: async (wanted) => (await admin.list(service, 10_000)).filter((d) => wanted.includes(d.messageId)),
      },
      deps,
    );
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

async function deadOutboxRows(
  command: string,
  service: string,
  ids: readonly string[],
  limit: number,
  choice: ExistingDatabaseChoice,
  deps: DlqCommandDeps,
): Promise<number> {
  let dataSource: DataSource;
  try {
    const opened = await openExistingServiceDatabase(service, choice, deps.env, { applicationName: 'shop-dlq' });
    if (typeof opened === 'string') {
      deps.err(opened);
      return 2;
    }
    dataSource = opened;
  } catch (error) {
    deps.err(`cannot open the database of ${service}: ${(error as Error).message}`);
    return 1;
  }
  try {
    const rows = new DeadOutboxRows(new TransactionHost(dataSource));
    if (command === 'outbox-list') {
      const listed = await rows.list(limit);
      for (const row of listed) {
        deps.out(
          [
            row.seq,
            row.messageId ?? '(pruned)',
            row.type ?? '(pruned)',
            row.aggregateSeq === null ? row.aggregateId : `${row.aggregateId}#${row.aggregateSeq}`,
            `attempts=${row.attempts}`,
            new Date(row.deadAt).toISOString(),
            (row.lastError ?? '').replace(/\s+/g, ' ').slice(0, 200),
            ...(row.traceId === null ? [] : [`trace=${row.traceId}`]),
          ].join('\t'),
        );
      }
      deps.out(`${listed.length} of ${await rows.count()} dead outbox row(s) listed`);
      return 0;
    }
    const named = ids.length > 0 ? ids : undefined;
    const done = command === 'outbox-replay' ? await rows.replay(named) : await rows.discard(named);
    deps.out(
      `${command === 'outbox-replay' ? 'replayed' : 'discarded'} ${done.length} dead outbox row(s) of ${service}${command === 'outbox-replay' ? ' (pending again)' : ''}`,
    );
    const missing = ids.filter((id) => !done.includes(id));
    if (missing.length > 0) deps.err(`no dead outbox row with message id ${missing.join(', ')}`);
    return missing.length > 0 ? 1 : 0;
  } catch (error) {
    deps.err(`${command} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}
