import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';
import { unitTests } from './tools/nx/test-files.mjs';

// Unit tests: no database server, no broker. Each project's `test` target runs this config on its
// own folder (tools/nx/shop-targets.mjs); `npm test` runs them all through Nx.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: unitTests.include,
      exclude: unitTests.exclude,
      globals: false,
      testTimeout: 20_000,
      // A hook that boots a platform (six contexts and a gateway) shares two cores with the other Nx tasks.
      hookTimeout: 60_000,
    },
  }),
);
