// CODEOWNERS names an owner for every context: a new apps/<ctx> without its line fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const TEAM = /^@[\w.-]+\/[\w.-]+$/;

/** [pattern, owners] per rule line, comments and blank lines skipped. */
function rulesOf(text: string): Array<[pattern: string, owners: string[]]> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [pattern = '', ...owners] = line.split(/\s+/);
      return [pattern, owners];
    });
}

/** GitHub's rule: the last matching line wins. Only the directory patterns used here are understood. */
function ownersOf(rules: Array<[string, string[]]>, path: string): string[] | undefined {
  let owners: string[] | undefined;
  for (const [pattern, lineOwners] of rules) {
    const matches = pattern === '*' || (pattern.startsWith('/') && pattern.endsWith('/') && `/${path}`.startsWith(pattern));
    if (matches) owners = lineOwners;
  }
  return owners;
}

describe('CODEOWNERS', () => {
  const file = new URL('.github/CODEOWNERS', root);
  const rules = rulesOf(readFileSync(file, 'utf8'));
  const apps = readdirSync(new URL('apps/', root), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(new URL(`apps/${entry.name}/package.json`, root)))
    .map((entry) => entry.name);

  it('gives every rule at least one owner, each a team handle', () => {
    for (const [pattern, owners] of rules) {
      expect(owners.length, pattern).toBeGreaterThan(0);
      for (const owner of owners) expect(owner, pattern).toMatch(TEAM);
    }
  });

  it.each(apps)('names the team of apps/%s on a line of its own', (app) => {
    expect(rules.map(([pattern]) => pattern)).toContain(`/apps/${app}/`);
    const owners = ownersOf(rules, `apps/${app}/src/main.ts`);
    expect(owners).toEqual([`@shop/${app}-team`]);
  });

  it('gives libs/, tools/ and the root configuration to the platform team', () => {
    for (const path of ['libs/messaging/src/index.ts', 'tools/nx/shop-targets.mjs', 'nx.json', 'package.json', 'eslint.config.mjs']) {
      expect(ownersOf(rules, path), path).toEqual(['@shop/platform-team']);
    }
  });

  it('finds the apps it checks (an empty list would pass everything)', () => {
    expect(apps).toEqual(expect.arrayContaining(['gateway', 'user']));
  });
});
