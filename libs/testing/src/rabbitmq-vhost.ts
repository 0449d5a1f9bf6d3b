import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_AMQP_URL } from './test-services.js';

const run = promisify(execFile);

/** A RabbitMQ virtual host made for one test or bench run: its URL, and how to delete it (queues and all). */
export interface VirtualHost {
  readonly url: string;
  remove(): Promise<void>;
}

/**
 * A RabbitMQ virtual host of its own (`rabbitmqctl`, on this machine's broker), for the user of
 * `TEST_AMQP_URL`: a service keeps its real queue name (`points.events`) there without meeting another
 * run's instances. Removed again if its permissions cannot be set.
 */
export async function createVirtualHost(name: string): Promise<VirtualHost> {
  const base = new URL(TEST_AMQP_URL);
  const user = decodeURIComponent(base.username || 'guest');
  await run('rabbitmqctl', ['add_vhost', name], { timeout: 60_000 });
  const remove = async (): Promise<void> => void (await run('rabbitmqctl', ['delete_vhost', name], { timeout: 60_000 }));
  try {
    await run('rabbitmqctl', ['set_permissions', '-p', name, user, '.*', '.*', '.*'], { timeout: 60_000 });
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
  base.pathname = `/${encodeURIComponent(name)}`;
  return { url: base.toString(), remove };
}
