/**
 * Runs `task` every `everyMs` (first run after one period), never two at
 * once: the next run is scheduled when the previous one ends. Timers are
 * unref()'d, so a forgotten task does not keep a drained process alive.
 */
export interface PeriodicTask {
  /** Stops scheduling and waits for a run in flight. */
  stop(): Promise<void>;
}

export function startPeriodic(task: () => Promise<void>, everyMs: number, onError: (err: unknown) => void): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      inFlight = task()
        .catch(onError)
        .finally(schedule);
    }, everyMs);
    timer.unref();
  }
  schedule();
  return {
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
  };
}
