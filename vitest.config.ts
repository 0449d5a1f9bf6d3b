import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// Unit tests: no database server, no broker. Run by `npm test`.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: ['{apps,libs,tools}/*/src/**/*.spec.ts', 'tools/*/test/**/*.spec.ts'],
      exclude: ['**/node_modules/**', '**/dist/**', 'tools/e2e/**'],
      globals: false,
      testTimeout: 20_000,
    },
  }),
);
