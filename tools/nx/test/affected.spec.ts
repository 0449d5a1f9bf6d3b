// `nx affected` runs exactly the projects a change touches: the project owning the file and the
// projects that depend on it, nothing else (package-lock.json is no global input any more); a root file
// only where a target lists it among its inputs.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const NX = createRequire(import.meta.url).resolve('nx/bin/nx');

function affectedBy(...files: string[]): string[] {
  const out = execFileSync(process.execPath, [NX, 'show', 'projects', '--affected', `--files=${files.join(',')}`, '--json'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as string[]).sort();
}

describe('nx affected', { timeout: 60_000 }, () => {
  it('a change in apps/user affects user and what runs it (embedded, services, e2e, compose, images), not the gateway or any lib', () => {
    // @shop/compose's spec boots the embedded platform to scrape its metrics; @shop/images assembles every app's image tree.
    const affected = affectedBy('apps/user/src/main.ts');
    expect(affected).toEqual(['@shop/compose', '@shop/e2e', '@shop/embedded', '@shop/images', '@shop/services', '@shop/user']);
  });

  it('a change in the gateway affects the gateway and what runs it, not user', () => {
    const affected = affectedBy('apps/gateway/src/main.ts');
    expect(affected).toContain('@shop/gateway');
    expect(affected).not.toContain('@shop/user');
  });

  it('a change in a lib affects the lib and its dependents, not the libs it builds on', () => {
    const affected = affectedBy('libs/auth/src/index.ts');
    expect(affected).toEqual(expect.arrayContaining(['@shop/auth', '@shop/user', '@shop/gateway', '@shop/embedded', '@shop/e2e']));
    for (const unrelated of ['@shop/shared-kernel', '@shop/persistence', '@shop/messaging', '@shop/contracts', '@shop/arch']) {
      expect(affected).not.toContain(unrelated);
    }
  });

  it('a change in the shared kernel reaches every project that imports it', () => {
    const affected = affectedBy('libs/shared-kernel/src/index.ts');
    expect(affected).toEqual(
      expect.arrayContaining(['@shop/shared-kernel', '@shop/contracts', '@shop/persistence', '@shop/messaging', '@shop/user', '@shop/gateway']),
    );
    expect(affected).not.toContain('@shop/lockfile');
  });

  it('a root file outside every project affects nothing', () => {
    expect(affectedBy('.prettierignore')).toEqual([]);
  });

  it('the root README affects the embedded tools, whose readme-configuration spec holds its Configuration table to the loaders', () => {
    // tools/embedded's test target lists {workspaceRoot}/README.md among its inputs (its package.json): a cached
    // green run is not reused once the table changes. @shop/services builds on @shop/embedded, and @shop/e2e
    // takes its test support (`@shop/embedded/testing`), @shop/compose boots the embedded platform.
    expect(affectedBy('README.md')).toEqual(['@shop/compose', '@shop/e2e', '@shop/embedded', '@shop/services']);
  });
});
