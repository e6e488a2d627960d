import { describe, expect, it } from 'vitest';
import { whenIngestSettles } from './ingest-settled.ts';

describe('whenIngestSettles', () => {
  it('waits through the backfill and resolves once a poll adds less than the share', async () => {
    // Stored counts seen at each poll: a backfill (big steps), then a paced feed (small steps).
    const counts = [0, 0, 10_000, 30_000, 60_000, 60_100, 60_200];
    let polls = 0;
    const settled = await whenIngestSettles(() => counts[Math.min(polls++, counts.length - 1)] ?? 0, { pollMs: 5, share: 0.01 });
    expect(settled).toBe(true);
    // The first read is the baseline; 0 → 0 (nothing fed yet) is not quiet; 60,000 → 60,100 is.
    expect(polls).toBe(6);
  });

  it('resolves after maxWaitMs when nothing arrives', async () => {
    const started = Date.now();
    expect(await whenIngestSettles(() => 0, { pollMs: 5, maxWaitMs: 40 })).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('resolves false when aborted before the ingest settles', async () => {
    let n = 0;
    const abort = new AbortController();
    const waiting = whenIngestSettles(() => (n += 1_000), { pollMs: 5, signal: abort.signal });
    setTimeout(() => abort.abort(), 30);
    expect(await waiting).toBe(false);
  });
});
