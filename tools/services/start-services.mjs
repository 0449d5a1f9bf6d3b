#!/usr/bin/env node
// `npm run start:services`: every app as its own process on PostgreSQL + RabbitMQ (the distributed
// mode), with the local servers as defaults. Ctrl-C (or SIGTERM) stops them all cleanly.
import { spawn } from 'node:child_process';
import { CONTEXTS, GATEWAY_PORT } from '@shop/contracts';
import { developmentSecrets } from '@shop/embedded/development-secrets';
import { appEnv, servicesEnv } from './app-env.mjs';

/** Every context of CONTEXTS in its order, then the gateway; stopped in the reverse order. */
export const APPS = [...CONTEXTS.map(({ name, port }) => ({ name, port })), { name: 'gateway', port: GATEWAY_PORT }];

// Built by `npm run build`, which this script's npm command runs first.
const env = servicesEnv(process.env, (shared) => developmentSecrets(shared.SHOP_DATA_DIR ?? './data', shared));
// The gateway finds each context at http://127.0.0.1:<its port> by default (<CTX>_SERVICE_URL overrides).

const children = [];
let stopping = false;

function prefixLines(stream, name, out) {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
}

/** Until the app's readiness answers 200 (its database and broker up; the gateway's: every service ready). */
async function waitUntilReady(app, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const path = app.name === 'gateway' ? '/api/v1/health/ready' : '/health/ready';
  let last = 'not listening';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}${path}`, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
      // A 503 names what is down: said if the wait runs out.
      const body = await response.json().catch(() => ({}));
      last = `${response.status}${Array.isArray(body.down) && body.down.length > 0 ? ` (down: ${body.down.join(', ')})` : ''}`;
    } catch (error) {
      last = error.name === 'TimeoutError' ? 'no answer' : 'not listening';
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${app.name} did not become ready within ${timeoutMs / 1000} s (${path}: ${last})`);
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  process.exit(code);
}

process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

for (const app of APPS) {
  const child = spawn(process.execPath, [`apps/${app.name}/dist/main.js`], { env: appEnv(app, env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  prefixLines(child.stdout, app.name, process.stdout);
  prefixLines(child.stderr, app.name, process.stderr);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[services] ${app.name} exited (${signal ?? code}); stopping the others`);
    void stopAll(1);
  });
  try {
    await waitUntilReady(app);
  } catch (error) {
    console.error(`[services] ${error.message}`);
    await stopAll(1);
  }
}
console.log(
  `[services] all up: API at http://127.0.0.1:${APPS.at(-1).port}/api/v1 (AMQP ${env.AMQP_URL.replace(/\/\/[^@]*@/, '//')}, PostgreSQL ${env.POSTGRES_URL.replace(/\/\/[^@]*@/, '//')})`,
);
