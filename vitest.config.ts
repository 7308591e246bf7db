import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['model/**/*.test.ts', 'checker/**/*.test.ts', 'cli/**/*.test.ts', 'properties/**/*.test.ts', 'counterexamples/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
