import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Suites that stop and restart the MariaDB server other test files share (test/faults/*.restart.test.ts):
 * only in the fault suite's full tier (FAULTS_TIER=full, as `npm run test:faults` sets), where the
 * files run one after another; every other vitest run (`npm test`, `npx vitest run test/faults`)
 * leaves them out.
 */
const FULL_FAULTS = process.env.FAULTS_TIER === 'full';
const RESTARTS_SHARED_SERVER = ['test/faults/**/*.restart.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: FULL_FAULTS ? configDefaults.exclude : [...configDefaults.exclude, ...RESTARTS_SHARED_SERVER],
    // A server restart must not land in the middle of another file's test.
    ...(FULL_FAULTS ? { fileParallelism: false } : {}),
    // Builds the console windows when missing or stale (the browser tests in test/e2e serve them).
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    allowOnly: false,
    passWithNoTests: false,
  },
});
