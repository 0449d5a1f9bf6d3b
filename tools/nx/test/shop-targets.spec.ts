// The Nx plugin gives every project the same targets, a new context included, with no edit beyond
// apps/<ctx>/package.json; test:integration only where there are integration tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodesV2, targetsOf } from '../shop-targets.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const NX = createRequire(import.meta.url).resolve('nx/bin/nx');
const EVERY_PROJECT = ['build', 'lint', 'test', 'typecheck'];

describe('the targets of a new context', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'shop-nx-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const write = (path: string, text = '') => {
    mkdirSync(join(scratch, path, '..'), { recursive: true });
    writeFileSync(join(scratch, path), text);
  };

  it('a context with a package.json, sources and integration tests gets all five', async () => {
    write('apps/coupon/package.json', '{"name":"@shop/coupon","nx":{"tags":["type:app","scope:coupon"]}}');
    write('apps/coupon/tsconfig.lib.json', '{}');
    write('apps/coupon/src/domain/coupon.spec.ts');
    write('apps/coupon/test/coupon-http-api.spec.ts');
    const [pattern, createNodes] = createNodesV2;
    expect(pattern).toBe('{apps,libs,tools}/*/{package.json,project.json}');
    const results = await createNodes(['apps/coupon/package.json'], undefined, { workspaceRoot: scratch, nxJsonConfiguration: {} });
    const targets = results[0]?.[1].projects?.['apps/coupon']?.targets ?? {};
    expect(Object.keys(targets).sort()).toEqual(['build', 'lint', 'test', 'test:integration', 'typecheck']);
    expect(targets['build']?.options).toEqual({ command: 'tsc -b {projectRoot}/tsconfig.lib.json' });
    expect(targets['test']?.options).toEqual({ command: 'vitest run --config vitest.config.ts --passWithNoTests {projectRoot}/' });
    expect(targets['test:integration']?.options).toEqual({ command: 'vitest run --config vitest.integration.config.ts {projectRoot}/' });
  });

  it('no test/ folder, no test:integration; nothing to compile, a build that does nothing', () => {
    write('libs/money/package.json', '{"name":"@shop/money"}');
    write('libs/money/src/money.ts');
    const targets = targetsOf(scratch, 'libs/money');
    expect(Object.keys(targets).sort()).toEqual(EVERY_PROJECT);
    expect(targets['build']?.executor).toBe('nx:noop');
  });

  it('tests under tools/<tool>/test are unit tests (tools/e2e excepted)', () => {
    write('tools/probe/project.json', '{"name":"@shop/probe"}');
    write('tools/probe/test/probe.spec.ts');
    expect(Object.keys(targetsOf(scratch, 'tools/probe')).sort()).toEqual(EVERY_PROJECT);
    write('tools/e2e/project.json', '{"name":"@shop/e2e"}');
    write('tools/e2e/test/distributed.spec.ts');
    expect(Object.keys(targetsOf(scratch, 'tools/e2e'))).toContain('test:integration');
  });
});

describe('the targets of the real workspace', { timeout: 60_000 }, () => {
  const graphFile = join(mkdtempSync(join(tmpdir(), 'shop-graph-')), 'graph.json');
  afterAll(() => rmSync(join(graphFile, '..'), { recursive: true, force: true }));

  it('every project under apps/, libs/ and tools/ has build, typecheck, lint and test; those with integration tests test:integration', () => {
    execFileSync(process.execPath, [NX, 'graph', `--file=${graphFile}`], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'ignore',
    });
    const { graph } = createRequire(import.meta.url)(graphFile) as { graph: { nodes: Record<string, { data: { root: string; targets: object } }> } };
    const projects = Object.values(graph.nodes).map(({ data }) => ({ root: data.root, targets: Object.keys(data.targets) }));

    const folders = ['apps', 'libs', 'tools'].flatMap((kind) =>
      readdirSync(join(root, kind), { withFileTypes: true })
        .filter((e) => e.isDirectory() && (existsSync(join(root, kind, e.name, 'package.json')) || existsSync(join(root, kind, e.name, 'project.json'))))
        .map((e) => `${kind}/${e.name}`),
    );
    expect(projects.map((p) => p.root).sort()).toEqual(folders.sort());
    for (const project of projects) expect(project.targets, project.root).toEqual(expect.arrayContaining(EVERY_PROJECT));

    const withIntegration = projects.filter((p) => p.targets.includes('test:integration')).map((p) => p.root);
    expect(withIntegration).toEqual(expect.arrayContaining(['apps/user', 'apps/gateway', 'libs/messaging', 'libs/persistence', 'tools/e2e']));
    expect(withIntegration).not.toContain('tools/arch');
    expect(withIntegration).not.toContain('libs/shared-kernel');
  });
});
