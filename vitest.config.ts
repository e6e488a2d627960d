import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * One temporary directory per test run: the unit and slow tests' TMPDIR (os.tmpdir() reads it at each
 * call), removed by test/setup/temp-dir-setup.ts when the run ends.
 */
const TEST_TMPDIR = process.env['CW_TEST_TMPDIR'] ?? mkdtempSync(join(tmpdir(), 'chartwatch-test-'));
process.env['CW_TEST_TMPDIR'] = TEST_TMPDIR;

/**
 * Unit tests that take seconds each (a whole simulated hospital, thousands of generated events, a CLI
 * child process, the model's bit-identical scores): their own project, so the unit project stays a
 * quick loop. `pnpm test` runs both; `pnpm test:slow` this one alone.
 */
const SLOW = [
  'packages/simulator/src/hospital.test.ts',
  'packages/simulator/src/determinism.test.ts',
  'packages/simulator/src/simulate.test.ts',
  'packages/simulator/src/cli.test.ts',
  'packages/simulator/src/formats.test.ts',
  'packages/model/src/score-equality.test.ts',
  'packages/model/src/scorer/model-scorer.test.ts',
  'packages/event/src/validate-event.test.ts',
  'packages/event/src/event-time.test.ts',
  'services/chartwatch/src/start/simulator-feed.test.ts',
  'services/chartwatch/src/commands-help.test.ts',
  'test/unit/golden-hospital.test.ts',
];
const UNIT = ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/unit/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: UNIT,
          exclude: [...SLOW, '**/node_modules/**'],
          pool: 'forks',
          // Tests' temporary files go in a directory removed when the run ends.
          env: { TMPDIR: TEST_TMPDIR },
          globalSetup: ['test/setup/temp-dir-setup.ts'],
        },
      },
      {
        test: {
          name: 'slow',
          include: SLOW,
          pool: 'forks',
          // Seconds of work each: the default 5 s timed out on a loaded 2-core machine.
          testTimeout: 60_000,
          env: { TMPDIR: TEST_TMPDIR },
          globalSetup: ['test/setup/temp-dir-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // chDB allows one data directory per process, Kafka tests share one broker: fork per file.
          pool: 'forks',
          globalSetup: ['test/setup/kafka-global-setup.ts', 'test/setup/temp-dir-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          pool: 'forks',
          globalSetup: ['test/setup/temp-dir-setup.ts'],
          testTimeout: 60_000,
          // A page waits on the API and chDB: on a loaded 2-core CI machine the default 1 s poll
          // failed an alert page that rendered correctly a moment later.
          expect: { poll: { timeout: 15_000 } },
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
