import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // A variant file imports the API as 'pirqcheck' (package.json "exports"; api/variant-hooks.mjs outside the checkout).
  resolve: { alias: [{ find: /^pirqcheck$/, replacement: fileURLToPath(new URL('./api/index.ts', import.meta.url)) }] },
  test: {
    include: ['model/**/*.test.ts', 'checker/**/*.test.ts', 'cli/**/*.test.ts', 'properties/**/*.test.ts', 'counterexamples/**/*.test.ts'],
    // The slow tier (*.slow.test.ts: every documentation sample run as printed, npm start included) is
    // `npm run test:slow` (vitest.slow.config.ts), run by the CI workflows on a schedule.
    exclude: ['**/node_modules/**', '**/*.slow.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time. vitest's default is one fewer than the CPUs, which on the 2-core CI machine is
    // one: most files spend their time waiting on a spawned `node bin/pirqcheck.js`, so the second core idled.
    maxWorkers: 2,
    // Freeze what every step makes (model/step.ts FREEZE): a write into a world shared between states throws.
    env: { PIRQCHECK_FREEZE: '1' },
  },
});
