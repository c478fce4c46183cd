import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CDK synth and loopback servers are heavy: two cores, keep it predictable.
    pool: 'forks',
    maxWorkers: 2,
  },
});
