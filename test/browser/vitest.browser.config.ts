import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Until the root vitest.config.ts has a 'browser' project: pnpm exec vitest run --config test/browser/vitest.browser.config.ts
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    // chDB allows one data directory per process: one fork per file.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
