/**
 * Resolves once the feed's full-speed backfill is over, judged by what
 * ingest stores: two polls `pollMs` apart that differ by less than `share`
 * of everything stored so far (a paced live feed adds a sliver of the
 * history per poll; the backfill adds a large part of it). The all-in-one
 * process starts the trainer then, so training (CPU on the same thread)
 * does not compete with the backfill and delay the first alerts, and trains
 * on history that is there. Nothing stored yet is not settled (the feed
 * may not have started): after `maxWaitMs` it resolves anyway, so a start
 * with no feed still trains on the history a data directory already holds.
 * Resolves false when `signal` aborts first.
 */
export interface SettleOptions {
  pollMs?: number;
  share?: number;
  maxWaitMs?: number;
  signal?: AbortSignal;
}

export function whenIngestSettles(stored: () => number, options: SettleOptions = {}): Promise<boolean> {
  const pollMs = options.pollMs ?? 5_000;
  const share = options.share ?? 0.01;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  const signal = options.signal;
  const started = Date.now();
  return new Promise((resolve) => {
    let last = stored();
    const timer = setInterval(() => {
      const now = stored();
      const grew = now - last;
      last = now;
      if ((now > 0 && grew <= share * now) || Date.now() - started >= maxWaitMs) finish(true);
    }, pollMs);
    // The wait must not keep a stopped process alive.
    timer.unref();
    const onAbort = (): void => finish(false);
    function finish(settled: boolean): void {
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(settled);
    }
    if (signal?.aborted === true) finish(false);
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
