import { readFileSync, readdirSync } from 'node:fs';

/** The machine's CPU time so far, all cores together, from /proc/stat; undefined off Linux. */
export interface MachineCpu {
  readonly cores: number;
  /** Time not idle (user, nice, system, irq, softirq, steal), in ms. */
  readonly busyMs: number;
  readonly totalMs: number;
}

export function machineCpu(): MachineCpu | undefined {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice, in USER_HZ ticks (100 a second).
    const ticks = lines[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks as [number, number, number, number, number, number, number, number];
    const busy = user + nice + system + irq + softirq + steal;
    return { cores: lines.filter((line) => /^cpu\d/.test(line)).length, busyMs: busy * 10, totalMs: (busy + idle + iowait) * 10 };
  } catch {
    return undefined;
  }
}

/**
 * A process's CPU time (user + system, all its threads) in ms, from /proc/<pid>/stat (10 ms ticks).
 * Not schedstat: for a process it counts its main thread only, and the Erlang VM works in threads of its own.
 */
function allThreadsCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name in parentheses: field 14 utime, 15 stime, in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms) so far of each Erlang VM on this machine (`beam.smp`, found in /proc): the RabbitMQ
 * server's, and any `rabbitmqctl` running at that moment, which `brokerCpuUsed` leaves out.
 */
export function brokerCpu(): ReadonlyMap<number, number> {
  const snapshot = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return snapshot;
  }
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'beam.smp') continue;
    } catch {
      continue;
    }
    const ms = allThreadsCpuMs(Number(pid));
    if (ms !== undefined) snapshot.set(Number(pid), ms);
  }
  return snapshot;
}

/** The CPU the broker used between two snapshots: the VMs present in both (the server); undefined when there is none. */
export function brokerCpuUsed(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number | undefined {
  let total: number | undefined;
  for (const [pid, ms] of after) if (before.has(pid)) total = (total ?? 0) + ms - before.get(pid)!;
  return total;
}
