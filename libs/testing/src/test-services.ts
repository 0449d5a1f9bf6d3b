import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { withDatabase } from '@shop/persistence';

const run = promisify(execFile);

/** The local servers the integration tests use; CI makes sure they are up. */
export const TEST_POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_AMQP_URL = process.env['TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A service name no other test run uses: its database and queues are its own. */
export const uniqueServiceName = (prefix = 't'): string => `${prefix}_${randomBytes(4).toString('hex')}`;

export async function dropDatabase(database: string, serverUrl = TEST_POSTGRES_URL): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Stops the RabbitMQ application (the node keeps running), as an outage would. */
export async function stopBroker(): Promise<void> {
  await run('rabbitmqctl', ['stop_app'], { timeout: 60_000 });
}

export async function startBroker(): Promise<void> {
  await run('rabbitmqctl', ['start_app'], { timeout: 120_000 });
  await run('rabbitmqctl', ['await_startup'], { timeout: 120_000 });
}

/** Deletes every queue whose name starts with `<service>.` (its queue, retry queues and DLQ). */
export async function deleteQueuesOf(service: string, amqpUrl = TEST_AMQP_URL): Promise<void> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '--quiet', '--no-table-headers', 'name'], { timeout: 30_000 });
  const names = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((name) => name.startsWith(`${service}.`));
  if (names.length === 0) return;
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteQueue(name);
    await channel.close();
  } finally {
    await connection.close();
  }
}
