import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['model/**/*.test.ts', 'checker/**/*.test.ts', 'cli/**/*.test.ts', 'properties/**/*.test.ts', 'counterexamples/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    // Freeze what every step makes (model/step.ts FREEZE): a write into a world shared between states throws.
    env: { PIRQCHECK_FREEZE: '1' },
  },
});
