// The load client, in its own process (forked by main.ts): one autocannon run per job received
// over IPC, a warm-up run first, then the measured run; the result goes back over IPC.
import autocannon from 'autocannon';
import { INTERNAL_TOKEN_HEADER, InternalTokenIssuer } from '@shop/http';
import type { ClientMessage, LoadJob, LoadResult } from './load-job.js';
import { TokenPool } from './token-pool.js';
import { intFromEnv } from '../env.js';

// Enough for a few seconds at the highest rate expected, small enough to sign in well under a second.
const TOKEN_POOL_SIZE = intFromEnv('BENCH_TOKEN_POOL', 2_000);
// Well inside the internal token's lifetime (about 10 s), so no token is near expiry when sent.
const TOKEN_MAX_AGE_MS = intFromEnv('BENCH_TOKEN_MAX_AGE_MS', 4_000);

/** The headers of the next request; a function so that each request may carry its own token. */
function headersFor(job: LoadJob): { headers: () => Record<string, string>; pool?: TokenPool } {
  const { auth } = job;
  const accept = { accept: 'application/json' };
  switch (auth.kind) {
    case 'none':
      return { headers: () => accept };
    case 'bearer': {
      const headers = { ...accept, authorization: `Bearer ${auth.token}` };
      return { headers: () => headers };
    }
    case 'internal': {
      const issuer = new InternalTokenIssuer(auth.secret);
      // Signed for this service and this one call (audience, method, path); each is good once.
      const call = { audience: auth.audience, method: job.method, path: job.path };
      const pool = new TokenPool(() => issuer.issue(call, auth.identity), TOKEN_POOL_SIZE, TOKEN_MAX_AGE_MS);
      return { headers: () => ({ ...accept, [INTERNAL_TOKEN_HEADER]: pool.take() }), pool };
    }
  }
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * autocannon ends a run by destroying its connections with a request in flight on each. The server goes
 * on with those (the gateway keeps their calls to the service in flight and queued in its bulkhead), so a
 * run started at once would find up to `connections` of them still there besides its own: twice the load
 * it asks for, which the gateway rightly sheds (503 SERVICE_BUSY) in its first milliseconds, and which
 * any server would spend on the next run's clock. So each run waits for the last one's abandoned
 * requests first: each needs at most about as long as the slowest request of that run; twice that, and
 * never under a quarter of a second.
 */
let settleMs = 0;

async function loadRun(options: autocannon.Options): Promise<autocannon.Result> {
  const result = await autocannon(options);
  settleMs = Math.max(250, Math.ceil(2 * result.latency.max));
  return result;
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, settleMs));

async function run(job: LoadJob): Promise<LoadResult> {
  const { headers, pool } = headersFor(job);
  await pool?.start();
  // Every target goes through setupRequest, so the client does the same work per request for each.
  const requests = [{ method: job.method, path: job.path, setupRequest: (request: autocannon.Request) => ({ ...request, headers: headers() }) }];
  const options = { url: job.origin, connections: job.connections, requests, timeout: 10 };
  try {
    await settle();
    await loadRun({ ...options, duration: job.warmUpSeconds });
    await settle();
    process.send!({ measuring: true } satisfies ClientMessage);
    const fromUs = nowUs();
    const result = await loadRun({ ...options, duration: job.seconds });
    const toUs = nowUs();
    return {
      name: job.name,
      rps: result['2xx'] / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, Number(count)])),
      fromUs,
      toUs,
      ...(pool ? { tokens: { signed: pool.signed, misses: pool.misses } } : {}),
    };
  } finally {
    await pool?.stop();
  }
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ result } satisfies ClientMessage),
    (error: unknown) => process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ClientMessage),
  );
});
process.once('disconnect', () => process.exit(0));
