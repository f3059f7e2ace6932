import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the box image once (cached by its hash) before integration tests run in parallel.
    globalSetup: ['test/integration/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    // Integration tests boot systemd containers; two cores run two files at a time at most.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
