import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

/**
 * The bench's child processes (servers and the load client), each in its own process, all stopped
 * at the end: SIGTERM (a service closes cleanly, so `--cpu-prof` writes its profile), SIGKILL for
 * one that does not exit in time, and SIGKILL for all if the bench itself exits abruptly.
 */
export class Children {
  private readonly children: Array<{ readonly name: string; readonly child: ChildProcess; readonly log: string }> = [];

  constructor(private readonly logDir: string) {
    process.once('exit', () => {
      for (const { child } of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  }

  /**
   * A server from its script, output to `<logDir>/<name>.log`: the child writes to the file itself, so the
   * bench's own process never carries the servers' logs (a pipe through it would cost it a read and a write per line).
   */
  spawn(name: string, script: string, env: NodeJS.ProcessEnv, nodeOptions: readonly string[] = []): ChildProcess {
    const log = join(this.logDir, `${name}.log`);
    const out = openSync(log, 'a');
    const child = spawn(process.execPath, [...nodeOptions, script], { env, stdio: ['ignore', out, out] });
    closeSync(out);
    this.children.push({ name, child, log });
    return child;
  }

  /** A process that talks with the bench over IPC (the load client). */
  fork(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
    const log = join(this.logDir, `${name}.log`);
    const out = openSync(log, 'a');
    const child = fork(script, [], { env, stdio: ['ignore', out, out, 'ipc'] });
    closeSync(out);
    this.children.push({ name, child, log });
    return child;
  }

  /** Resolves once `url` answers 200; rejects if the process exits first or the time runs out. */
  async waitReady(name: string, url: string, timeoutMs = 60_000): Promise<void> {
    const entry = this.entry(name);
    const deadline = Date.now() + timeoutMs;
    let last = 'not listening';
    while (Date.now() < deadline) {
      if (entry.child.exitCode !== null || entry.child.signalCode !== null)
        throw new Error(`${name} exited (${entry.child.exitCode ?? entry.child.signalCode}) before it was ready:\n${this.tail(name)}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.ok) return;
        last = String(response.status);
      } catch {
        last = 'not listening';
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${name} was not ready at ${url} within ${timeoutMs / 1000} s (${last}):\n${this.tail(name)}`);
  }

  /**
   * CPU time (user + system) the child has used so far, in ms, from /proc: what a server spends per
   * request holds better than its rate on a machine whose cores others share. Undefined off Linux.
   */
  cpuMs(name: string): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.entry(name).child.pid}/stat`, 'utf8');
      // After the command name in parentheses: field 14 utime, 15 stime, in clock ticks (USER_HZ, 100 on Linux).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  }

  /** The end of a child's output, for an error message. */
  tail(name: string, lines = 30): string {
    try {
      return readFileSync(this.entry(name).log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  /** Stops every child, the last started first. */
  async stopAll(graceMs = 15_000): Promise<void> {
    for (const { child } of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  }

  private entry(name: string) {
    const entry = this.children.find((candidate) => candidate.name === name);
    if (!entry) throw new Error(`no child named ${name}`);
    return entry;
  }
}
