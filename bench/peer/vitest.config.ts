import { defineConfig } from 'vitest/config';

/**
 * The SPIN peer's test (`npm run bench:peer`), not part of `npm test`: it needs spin and gcc
 * (`apt-get install spin gcc`) and takes minutes (pirqcheck's concrete exploration of two cells to depth 24).
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['bench/peer/**/*.bench.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 900_000,
    pool: 'forks',
  },
});
