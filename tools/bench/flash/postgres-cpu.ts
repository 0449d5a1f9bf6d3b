import { readFileSync } from 'node:fs';
import pg from 'pg';
import { withDatabase } from '@shop/persistence';

/**
 * CPU time (ms) a process has used so far, from /proc; undefined once it is gone (or off Linux).
 * schedstat's run time is in ns: a backend's few ms would round down to nothing in stat's 10 ms
 * ticks, and there are dozens of them. stat (user + system ticks) where schedstat is missing.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    // No schedstat (a kernel without it, or the process is gone): try stat.
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name in parentheses: field 14 utime, 15 stime, in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export type CpuSnapshot = ReadonlyMap<number, number>;

/**
 * The CPU time of the PostgreSQL backends serving some databases (found in pg_stat_activity, read
 * from /proc: the server runs on this machine): what the database spends on the bench's work, apart
 * from other clients of the same server. Shared processes (WAL writer, checkpointer) are left out.
 */
export class BackendCpu {
  private constructor(
    private readonly client: pg.Client,
    private readonly databases: readonly string[],
  ) {}

  static async open(serverUrl: string, databases: readonly string[]): Promise<BackendCpu> {
    const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
    await client.connect();
    return new BackendCpu(client, databases);
  }

  async snapshot(): Promise<CpuSnapshot> {
    const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = ANY($1)', [this.databases]);
    const snapshot = new Map<number, number>();
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms !== undefined) snapshot.set(pid, ms);
    }
    return snapshot;
  }

  /** CPU ms used between two snapshots; a backend that started in between counts from zero (one that ended is lost). */
  static used(before: CpuSnapshot, after: CpuSnapshot): number | undefined {
    if (after.size === 0) return undefined;
    let total = 0;
    for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
    return total;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
