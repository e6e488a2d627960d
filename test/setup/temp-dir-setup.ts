import { rmSync } from 'node:fs';

/**
 * Removes the test run's temporary directory (vitest.config.ts makes it and points the unit and slow
 * tests' TMPDIR at it) when the run ends, so no test leaves files in the machine's temporary directory,
 * whether it cleans up after itself or not.
 */
export default function setup(): () => void {
  return () => {
    const dir = process.env['CW_TEST_TMPDIR'];
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
}
