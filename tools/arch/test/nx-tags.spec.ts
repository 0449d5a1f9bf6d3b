import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { REPO_ROOT } from '../arch-lint.mjs';
import { checkNxTags } from '../nx-tags.mjs';

const root = (name: string): string => join(REPO_ROOT, 'tools/arch/fixtures/nx-tags', name);

describe('nx tags check', () => {
  it('passes when every app, lib and tool project is tagged', () => {
    expect(checkNxTags(root('good'))).toEqual([]);
  });

  it('names every project without the tags it needs', () => {
    const problems = checkNxTags(root('bad'));
    const byProject = (prefix: string) => problems.filter((p) => p.project.startsWith(prefix)).map((p) => p.problem);

    expect(byProject('apps/untagged ')).toEqual([expect.stringContaining('has no Nx tags')]);
    expect(byProject('apps/wrong-scope ')).toEqual([expect.stringContaining('scope:wrong-scope')]);
    expect(byProject('apps/no-type ')).toEqual([expect.stringContaining('type:app')]);
    expect(byProject('apps/no-package')).toEqual([expect.stringContaining('no package.json')]);
    expect(byProject('libs/untyped ')).toEqual([expect.stringContaining('type:')]);
    expect(byProject('libs/empty-tags ')).toEqual([expect.stringContaining('has no Nx tags')]);
    expect(byProject('tools/untagged-tool ')).toEqual([expect.stringContaining('has no Nx tags')]);
    expect(problems).toHaveLength(7);
    expect(problems.find((p) => p.project.startsWith('apps/untagged'))?.project).toBe('apps/untagged (@fixture/untagged)');
  });
});
