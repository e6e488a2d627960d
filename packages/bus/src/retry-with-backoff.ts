/**
 * Retries `task` until it succeeds or `shouldGiveUp()` turns true, pausing
 * initialMs, 2·initialMs, … up to maxMs between attempts. Ingest and the
 * detector never skip a batch they could not finish: while it retries, the
 * partition's offsets stay uncommitted, so a stop or a crash leaves the batch
 * for the next consumer.
 * Resolves true on success, false when it gave up.
 */
export async function retryWithBackoff(
  task: () => Promise<void>,
  options: {
    initialMs: number;
    maxMs: number;
    shouldGiveUp: () => boolean;
    /** Wakes a pause early (stop requested). */
    signal: AbortSignal;
    onFailure: (err: unknown, attempt: number, pauseMs: number) => void;
    /** Called during long pauses so the consumer group keeps the partition. */
    heartbeat?: () => Promise<void>;
  },
): Promise<boolean> {
  let pause = options.initialMs;
  for (let attempt = 1; ; attempt += 1) {
    if (options.shouldGiveUp()) return false;
    try {
      await task();
      return true;
    } catch (err) {
      options.onFailure(err, attempt, pause);
    }
    await sleep(pause, options.signal);
    if (options.heartbeat) await options.heartbeat().catch(() => undefined);
    pause = Math.min(pause * 2, options.maxMs);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
