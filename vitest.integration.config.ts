import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';
import { integrationTests } from './tools/nx/test-files.mjs';

// Integration tests: real PostgreSQL and RabbitMQ. Files run one at a time because some of them
// stop and start the broker (and Nx runs the projects' `test:integration` targets one at a time).
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: integrationTests.include,
      exclude: integrationTests.exclude,
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  }),
);
