// README.md's Configuration table says every variable "is validated at start" and lists each: this holds
// the list to the loaders. Every variable a loader reads (each context's config, a service process's
// runtime, the gateway's, the embedded platform's messaging settings) must have its row, so that a new
// variable (a context's, such as the payment context's PAYMENT_*) cannot ship undocumented. The loaders are
// run on an environment that records what is read and holds nothing (a required variable missing throws,
// after every variable was read).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTEXTS } from '@shop/contracts';
import { gatewayConfigFromEnv } from '@shop/gateway';
import { messagingSettingsFromEnv, serviceRuntimeFromEnv, type ContextService } from '@shop/runtime';

const README = new URL('../../../README.md', import.meta.url);

/** An environment with no variable set, recording the name of each one read. */
function recordingEnv(): { env: NodeJS.ProcessEnv; read: Set<string> } {
  const read = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_target, name) => {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
    has: (_target, name) => {
      if (typeof name === 'string') read.add(name);
      return false;
    },
  });
  return { env, read };
}

const attempt = (load: () => unknown) => {
  try {
    load();
  } catch {
    // A required variable is missing: what matters is what was read.
  }
};

/** The variables of the Configuration table: every back-quoted name in its first column. */
function documentedVariables(): Set<string> {
  const readme = readFileSync(README, 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  const names = table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z0-9_<>]+)`/g)].map((match) => match[1]!));
  return new Set(names);
}

/** A per-service or per-context name (`ORDER_DATABASE_URL`, `PAYMENT_SERVICE_URL`) as the table writes it. */
const asDocumented = (name: string): string =>
  name
    .replace(new RegExp(`^(${CONTEXTS.map((context) => context.name.toUpperCase()).join('|')})_DATABASE_URL$`), '<SERVICE>_DATABASE_URL')
    .replace(new RegExp(`^(${CONTEXTS.map((context) => context.name.toUpperCase()).join('|')})_SERVICE_URL$`), '<CTX>_SERVICE_URL');

describe("README's Configuration table", () => {
  it('has a row for every variable the loaders read', async () => {
    const { env, read } = recordingEnv();
    for (const { name } of CONTEXTS) {
      const app = (await import(`@shop/${name}`)) as { contextService: ContextService };
      attempt(() => app.contextService.config(env));
      attempt(() => serviceRuntimeFromEnv(name, env));
    }
    attempt(() => gatewayConfigFromEnv(env));
    attempt(() => messagingSettingsFromEnv(env));
    // NODE_ENV is envalid's own (the loaders' validator library reads it for defaults the loaders do not use).
    const variables = [...read].filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name) && name !== 'NODE_ENV');
    // The payment context's, at least, are among them: the loaders really were read through.
    expect(variables).toEqual(
      expect.arrayContaining(['PAYMENT_WEBHOOK_SECRET', 'PAYMENT_SANDBOX_CALLBACK_URL', 'ORDER_PAYMENT_TIMEOUT', 'JWT_SECRET', 'POSTGRES_URL']),
    );
    const documented = documentedVariables();
    expect(variables.map(asDocumented).filter((name) => !documented.has(name))).toEqual([]);
  });
});
