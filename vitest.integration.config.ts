import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// Integration tests: real PostgreSQL and RabbitMQ. Files run one at a time because some of them
// stop and start the broker.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: ['{apps,libs}/*/test/**/*.spec.ts', 'tools/e2e/test/**/*.spec.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  }),
);
