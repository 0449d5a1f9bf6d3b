// What the image builder counts as a package a file loads: what ships in an app's image is decided by it.
import { describe, expect, it } from 'vitest';
import { specifiersOf } from '../image-tree.mjs';

describe('specifiersOf', () => {
  it('finds imports, require, import.meta.resolve and createRequire functions, named or called where made', () => {
    const text = [
      "import { a } from 'pkg-import';",
      "const b = require('pkg-require');",
      "const c = import.meta.resolve('pkg-meta');",
      'const load = createRequire(import.meta.url);',
      "load('pkg-named');",
      "load.resolve('pkg-named-resolve/package.json');",
      "const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));",
      "createRequire(import.meta.url)('pkg-direct');",
    ].join('\n');
    expect([...specifiersOf(text)].sort()).toEqual(
      ['pkg-direct', 'pkg-import', 'pkg-meta', 'pkg-named', 'pkg-named-resolve/package.json', 'pkg-require', 'swagger-ui-dist/package.json'].sort(),
    );
  });
});
