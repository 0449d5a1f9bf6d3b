// The layer rules (tools/arch/dependency-cruiser.config.mjs) run over tools/arch/fixtures, a tree
// laid out like the repository: each violating fixture file must trip exactly its rule, on its
// import, and the clean context must pass untouched. Same rule set as `npm run lint:arch`.
import { describe, it, expect, beforeAll } from 'vitest';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { CONFIG_FILE, listViolations, loadCruiseOptions, type ArchViolation } from '../arch-lint.mjs';

const FIXTURES = 'tools/arch/fixtures';
const fx = (path: string): string => `${FIXTURES}/${path}`;

async function cruiseResult(paths: string[], fixtures: boolean): Promise<ICruiseResult> {
  const { cruiseOptions, transpileOptions } = await loadCruiseOptions({ fixtures });
  const { output } = await cruise(paths, cruiseOptions, {}, transpileOptions);
  if (typeof output === 'string') throw new Error('expected a cruise result object');
  return output;
}

/** [rule, fixture file, import specifier as written]: each file breaks exactly one rule. */
const CASES: ReadonlyArray<readonly [rule: string, file: string, specifier: string]> = [
  // the ten required by the brief
  ['domain-no-npm-package', 'apps/shop/src/domain/imports-typeorm.ts', 'typeorm'],
  ['domain-no-npm-package', 'apps/shop/src/domain/imports-nestjs.ts', '@nestjs/common'],
  ['domain-no-other-layer', 'apps/shop/src/domain/imports-application.ts', '../application/cart-view.js'],
  ['application-no-outer-layer', 'apps/shop/src/application/imports-infrastructure.ts', '../infrastructure/cart-store.js'],
  ['application-no-persistence-or-broker', 'apps/shop/src/application/imports-typeorm.ts', 'typeorm'],
  ['interface-no-infrastructure', 'apps/shop/src/interface/imports-infrastructure.ts', '../infrastructure/cart-store.js'],
  ['interface-no-domain', 'apps/shop/src/interface/imports-domain.ts', '../domain/cart.js'],
  ['no-cross-context-import', 'apps/shop/src/application/imports-other-app.ts', '../../../other/src/domain/other.js'],
  ['shared-kernel-no-npm-package', 'libs/shared-kernel/src/imports-package.ts', 'rxjs'],
  ['lib-no-app-or-tool', 'libs/contracts/src/imports-app.ts', '../../../apps/other/src/domain/other.js'],
  // the rest of the rule set
  ['domain-no-npm-package', 'apps/shop/src/domain/type-imports-typeorm.ts', 'typeorm'], // `import type` counts
  ['domain-only-shared-kernel', 'apps/shop/src/domain/imports-contracts.ts', '@shop/contracts'],
  ['application-npm-only-nestjs-common', 'apps/shop/src/application/imports-rxjs.ts', 'rxjs'],
  ['application-only-kernel-and-contracts', 'apps/shop/src/application/imports-persistence.ts', '@shop/persistence'],
  ['no-unresolvable-import', 'apps/shop/src/application/imports-missing.ts', './does-not-exist.js'],
  ['infrastructure-no-interface', 'apps/shop/src/infrastructure/imports-interface.ts', '../interface/cart.controller.js'],
  ['layer-no-composition-root', 'apps/shop/src/infrastructure/imports-composition-root.ts', '../shop.module.js'],
  ['app-src-no-testing-lib', 'apps/shop/src/infrastructure/imports-testing-lib.ts', '../../../../libs/testing/src/index.js'],
  ['interface-no-persistence-or-broker', 'apps/shop/src/interface/imports-amqplib.ts', 'amqplib'],
  ['src-no-app-test', 'apps/shop/src/interface/imports-app-test.ts', '../../test/helpers.js'],
  ['src-no-testing-folder', 'apps/shop/src/application/imports-testing-folder.ts', './testing/fake-cart-view.js'],
  ['app-no-tools', 'apps/shop/src/wires-tool.ts', '../../../tools/bench/src/bench.js'],
  ['no-code-outside-layers', 'apps/shop/src/common/unlayered.ts', '../domain/cart.js'],
  ['no-import-of-unlayered-code', 'apps/shop/src/domain/imports-unlayered.ts', '../common/unlayered-leaf.js'],
  ['no-cross-context-import', 'apps/shop/test/imports-other-app.it.ts', '../../other/src/other.module.js'],
  ['shared-kernel-no-other-lib', 'libs/shared-kernel/src/imports-contracts.ts', '../../contracts/src/index.js'],
  ['contracts-only-shared-kernel', 'libs/contracts/src/imports-persistence.ts', '../../persistence/src/index.js'],
  ['contracts-npm-only-ajv', 'libs/contracts/src/imports-rxjs.ts', 'rxjs'],
  ['observability-only-shared-kernel', 'libs/observability/src/imports-testing.ts', '../../testing/src/index.js'],
  ['scheduler-allowed-libs', 'libs/scheduler/src/imports-testing.ts', '../../testing/src/index.js'],
  ['runtime-allowed-libs', 'libs/runtime/src/imports-testing.ts', '../../testing/src/index.js'],
  ['persistence-only-shared-kernel', 'libs/persistence/src/cycle-a.ts', '../../messaging/src/cycle-b.js'],
  ['messaging-allowed-libs', 'libs/messaging/src/imports-testing.ts', '../../testing/src/index.js'],
  ['http-allowed-libs', 'libs/http/src/imports-testing.ts', '../../testing/src/index.js'],
  ['client-no-workspace-lib', 'libs/client/src/imports-contracts.ts', '../../contracts/src/index.js'],
  ['client-npm-only-openapi-fetch', 'libs/client/src/imports-package.ts', 'rxjs'],
];

// persistence/cycle-a.ts -> messaging/cycle-b.ts -> persistence/cycle-a.ts: a cycle between libs.
// dependency-cruiser reports a cycle once, on one of its edges.
const CYCLE_FILES = [fx('libs/persistence/src/cycle-a.ts'), fx('libs/messaging/src/cycle-b.ts')];

describe('layer rules on the fixture tree', () => {
  let result: ICruiseResult;
  let violations: ArchViolation[];
  const inFile = (file: string): ArchViolation[] => violations.filter((v) => v.from === fx(file) && v.rule !== 'no-circular-between-libs');

  beforeAll(async () => {
    result = await cruiseResult([FIXTURES], true);
    violations = listViolations(result);
  }, 60_000);

  it.each(CASES)('%s fires on %s importing %s (and nothing else does)', (rule, file, specifier) => {
    const found = inFile(file);
    expect(found).toContainEqual(expect.objectContaining({ rule, module: specifier, severity: 'error' }));
    expect(found.map((v) => `${v.rule} ${v.module}`)).toEqual([`${rule} ${specifier}`]);
  });

  it('no-circular-between-libs fires on a cycle between two libs', () => {
    const cycles = violations.filter((v) => v.rule === 'no-circular-between-libs');
    expect(cycles).toHaveLength(1);
    expect(CYCLE_FILES).toContain(cycles[0]!.from);
    expect(cycles[0]!.cycle).toEqual(expect.arrayContaining(CYCLE_FILES));
  });

  it('reports nothing but the expected violations', () => {
    const expected = new Set(CASES.map(([rule, file, specifier]) => `${rule} ${fx(file)} ${specifier}`));
    const unexpected = violations
      .filter((v) => v.rule !== 'no-circular-between-libs')
      .map((v) => `${v.rule} ${v.from} ${v.module}`)
      .filter((v) => !expected.has(v));
    expect(unexpected).toEqual([]);
    expect(violations).toHaveLength(CASES.length + 1);
  });

  it('covers every rule of the config with a fixture', async () => {
    const config = ((await import(CONFIG_FILE)) as { default: IConfiguration }).default;
    const ruleNames = new Set((config.forbidden ?? []).map((r) => r.name));
    const tested = new Set([...CASES.map(([rule]) => rule), 'no-circular-between-libs']);
    expect([...ruleNames].sort()).toEqual([...tested].sort());
    expect((config.forbidden ?? []).every((r) => r.severity === 'error')).toBe(true);
  });

  it('resolves ./x.js to x.ts, @shop/* to the lib sources, and packages into node_modules', () => {
    const deps = (file: string) => result.modules.find((m) => m.source === fx(file))?.dependencies ?? [];
    const order = deps('apps/clean/src/domain/order.ts');
    expect(order.find((d) => d.module === './order-id.js')?.resolved).toBe(fx('apps/clean/src/domain/order-id.ts'));
    expect(order.find((d) => d.module === '@shop/shared-kernel')?.resolved).toBe('libs/shared-kernel/src/index.ts');
    const useCase = deps('apps/clean/src/application/place-order.use-case.ts');
    expect(useCase.find((d) => d.module === '@shop/contracts')?.resolved).toBe('libs/contracts/src/index.ts');
    expect(useCase.find((d) => d.module === '@nestjs/common')?.resolved).toMatch(/^node_modules\/@nestjs\/common\//);
    // dependency-cruiser records `node:crypto` as module 'crypto' with protocol 'node:'
    const crypto = deps('apps/clean/src/domain/order-id.ts').find((d) => d.module === 'crypto');
    expect(crypto).toMatchObject({ coreModule: true, protocol: 'node:' });
  });
});

describe('a clean context', () => {
  it('passes with zero violations while using every allowed edge', async () => {
    const result = await cruiseResult([fx('apps/clean')], true);
    // Not vacuous: every layer, the composition root and the test folder were cruised.
    const sources = result.modules.map((m) => m.source);
    for (const file of [
      'src/domain/order.ts',
      'src/domain/order.spec.ts',
      'src/application/testing/in-memory-order.repository.ts',
      'src/application/place-order.use-case.ts',
      'src/infrastructure/typeorm-order.repository.ts',
      'src/interface/orders.controller.ts',
      'src/clean.module.ts',
      'src/main.ts',
      'test/place-order.it.ts',
    ]) {
      expect(sources).toContain(fx(`apps/clean/${file}`));
    }
    // The cruise follows into the real libs (@shop/*); their own rules are the lint's business.
    expect(listViolations(result).filter((v) => v.from.startsWith(FIXTURES))).toEqual([]);
  }, 60_000);

  it('lets the test code of a lib use @shop/testing and test-only packages', async () => {
    const result = await cruiseResult([fx('libs/messaging/test')], true);
    expect(result.modules.map((m) => m.source)).toContain(fx('libs/messaging/test/relay.harness.ts'));
    expect(listViolations(result).filter((v) => v.from.startsWith(FIXTURES))).toEqual([]);
  }, 60_000);
});

describe('the real lint', () => {
  it('does not cruise the fixtures (same rules, fixture tree excluded)', async () => {
    const result = await cruiseResult(['tools/arch'], false);
    expect(result.modules.some((m) => m.source.startsWith(FIXTURES))).toBe(false);
    expect(result.modules.some((m) => m.source === 'tools/arch/cli.mjs')).toBe(true);
  }, 60_000);
});
