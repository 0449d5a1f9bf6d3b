// The load client, in its own process (forked by main.ts): claims through the gateway, one
// attempt per token, `connections` attempts in flight at once on keep-alive connections, each
// attempt's latency and outcome recorded; the run goes back over IPC.
import { Agent, request } from 'node:http';
import { runClaims, type ClaimOutcome, type ClaimRun } from './claims.js';
import { serveJobs } from '../load-client.js';
import type { ClaimJob } from './claim-job.js';

const REQUEST_TIMEOUT_MS = 30_000;

function claim(agent: Agent, origin: URL, path: string, token: string): Promise<ClaimOutcome> {
  return new Promise((resolve) => {
    const outgoing = request(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method: 'POST',
        path,
        headers: { accept: 'application/json', authorization: `Bearer ${token}`, 'content-length': 0 },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error: NodeJS.ErrnoException) => resolve(`other error ${error.code ?? error.message}`));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status === 201) return resolve('issued');
          let code = '';
          try {
            const problem = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: unknown };
            code = typeof problem.code === 'string' ? problem.code : 'no code';
          } catch {
            code = 'not JSON';
          }
          resolve(status === 409 && code === 'SOLD_OUT' ? 'sold_out' : `other ${status} ${code}`);
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(`other error ${error.code ?? error.message}`));
    outgoing.end();
  });
}

async function run(job: ClaimJob): Promise<ClaimRun> {
  // One socket per attempt in flight: no attempt waits for a connection.
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const origin = new URL(job.origin);
  const run = await runClaims(job.tokens.length, job.connections, (index) => claim(agent, origin, job.path, job.tokens[index]!));
  agent.destroy();
  return run;
}

serveJobs(run);
