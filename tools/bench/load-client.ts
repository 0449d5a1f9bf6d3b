import type { ChildProcess } from 'node:child_process';

/**
 * How a bench drives its load client (a child process, so that the client's CPU is counted apart): the bench
 * hands a job over, the client answers `ready`, the bench says `go` (after reading the CPU counters), and the
 * client answers with the job's result or its error.
 */
export type BenchToClient<Job> = { readonly job: Job } | { readonly go: true };
export type ClientToBench<Result> = { readonly ready: true } | { readonly result: Result } | { readonly error: string };

/** The bench's side: runs jobs on the client, one at a time; `beforeGo` runs once the client holds the job, just before it starts. */
export function loadClient<Job extends { readonly name: string }, Result>(child: ChildProcess): (job: Job, beforeGo?: () => Promise<void>) => Promise<Result> {
  return (job, beforeGo = async () => {}) =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load client exited (${code}) during ${job.name}`));
      const onMessage = (message: ClientToBench<Result>) => {
        if ('ready' in message) return void beforeGo().then(() => child.send({ go: true } satisfies BenchToClient<Job>), reject);
        child.off('exit', onExit);
        child.off('message', onMessage);
        if ('error' in message) reject(new Error(`load client, ${job.name}: ${message.error}`));
        else resolve(message.result);
      };
      child.once('exit', onExit);
      child.on('message', onMessage);
      child.send({ job } satisfies BenchToClient<Job>);
    });
}

/** The client's side: runs each job the bench hands over once told `go`, and exits when the bench goes away. */
export function serveJobs<Job, Result>(run: (job: Job) => Promise<Result>): void {
  let pending: Job | undefined;
  const send = (message: ClientToBench<Result>) => process.send!(message);
  process.on('message', (message: BenchToClient<Job>) => {
    if ('job' in message) {
      pending = message.job;
      return send({ ready: true });
    }
    const job = pending!;
    pending = undefined;
    run(job).then(
      (result) => send({ result }),
      (error: unknown) => send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  process.once('disconnect', () => process.exit(0));
}
