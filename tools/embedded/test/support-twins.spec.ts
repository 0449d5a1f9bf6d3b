// The end-to-end specs of both run modes drive the platform with the same client and steps: this
// project's test/support files and their twins in tools/e2e/test/support (a project may not import
// another project's test files). The twins are copies with a first line saying so; they must not drift.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const TWINS = ['gateway-client.ts', 'shop-steps.ts', 'callback-relay.ts'];
const here = new URL('./support/', import.meta.url);
const there = new URL('../../e2e/test/support/', import.meta.url);

describe('the test support shared by the embedded and the distributed end-to-end specs', () => {
  it.each(TWINS)('%s is the same in tools/e2e/test/support, after its first line', (file) => {
    const original = readFileSync(new URL(file, here), 'utf8');
    const [firstLine, ...rest] = readFileSync(new URL(file, there), 'utf8').split('\n');
    expect(firstLine).toBe(
      `// The twin of tools/embedded/test/support/${file} (a project may not import another project's test files): keep the two the same.`,
    );
    expect(rest.join('\n')).toBe(original);
  });
});
