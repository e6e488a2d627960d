import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Gives a test run its own temporary directory: TMPDIR points at a fresh directory while the run's
 * workers (forked after this setup, so they inherit it) call os.tmpdir(), and the directory goes when
 * the run ends, so no test leaves files in the machine's temporary directory, whether it cleans up
 * after itself or not.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'chartwatch-test-'));
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
  };
}
