import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The slow tier, `npm run test:slow`: every documentation sample run as printed (cli/samples.slow.test.ts,
 * npm start included: minutes on 2 cores) and the fix report over every nvme-hvm configuration (cli/fix-report.slow.test.ts;
 * the default suite keeps it for one). The CI workflows run it on a schedule; settings as vitest.config.ts.
 */
export default defineConfig({
  resolve: { alias: [{ find: /^pirqcheck$/, replacement: fileURLToPath(new URL('./api/index.ts', import.meta.url)) }] },
  test: {
    include: ['**/*.slow.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 600_000,
    pool: 'forks',
    env: { PIRQCHECK_FREEZE: '1' },
  },
});
