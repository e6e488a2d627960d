import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { openPrivateAppend, preparePrivateDir } from './private-files.ts';

const mode = (p: string): number => statSync(p).mode & 0o777;

describe('the data directory and log are private', () => {
  it('creates the directory 0700 and the log 0600, and tightens ones left open', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chartwatch-private-'));
    const fresh = join(root, 'fresh', 'data');
    await preparePrivateDir(fresh);
    expect(mode(fresh)).toBe(0o700);
    const log = openPrivateAppend(join(fresh, 'chartwatch.log'));
    await once(log, 'open');
    log.end('x\n');
    await once(log, 'finish');
    expect(mode(join(fresh, 'chartwatch.log'))).toBe(0o600);

    const old = join(root, 'old');
    mkdirSync(old, { mode: 0o755 });
    writeFileSync(join(old, 'chartwatch.log'), 'old\n', { mode: 0o644 });
    await preparePrivateDir(old);
    const again = openPrivateAppend(join(old, 'chartwatch.log'));
    await once(again, 'open');
    again.end();
    await once(again, 'finish');
    expect([mode(old), mode(join(old, 'chartwatch.log'))]).toEqual([0o700, 0o600]);
  });
});
