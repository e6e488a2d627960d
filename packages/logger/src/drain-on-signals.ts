import type { Logger } from 'pino';

/** The part of `process` a service's shutdown touches; a test passes its own. */
export interface SignalTarget {
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  exit(code: number): never | void;
  exitCode?: number | string | null | undefined;
}

export interface DrainOptions {
  logger: Logger;
  /** After this long the process exits 1, whatever is still draining. */
  deadlineMs: number;
  /** What is lost when the deadline passes, as the error line says it (e.g. "offsets of the unfinished batch uncommitted"). */
  lostAtDeadline: string;
  /** Stops the service and closes what it holds, in order. */
  drain: () => Promise<void>;
  /** Fields for the last log line, read after the drain (final counters). */
  drainedFields?: () => Record<string, unknown>;
  target?: SignalTarget;
}

/**
 * SIGTERM and SIGINT drain the service once, under a deadline. Every
 * service's main had this block; one copy keeps the 3 a.m. behaviour the same
 * everywhere: a second signal does not start a second drain, a drain that
 * hangs still ends the process (exit 1, saying what was left undone), and a
 * drain that throws ends with exit code 1 and the error logged.
 * Returns the drain, for a start that fails half-way.
 */
export function drainOnSignals(options: DrainOptions): (reason: string) => Promise<void> {
  const target = options.target ?? process;
  const { logger } = options;
  let draining: Promise<void> | null = null;
  const drain = (reason: string): Promise<void> => {
    draining ??= (async () => {
      logger.info({ signal: reason, deadlineMs: options.deadlineMs }, 'draining');
      // unref(): the deadline must not itself keep a drained process alive.
      setTimeout(() => {
        logger.error({ deadlineMs: options.deadlineMs }, `drain exceeded its deadline; exiting with ${options.lostAtDeadline}`);
        target.exit(1);
      }, options.deadlineMs).unref();
      try {
        await options.drain();
        logger.info(options.drainedFields?.() ?? {}, 'drained');
      } catch (err) {
        logger.error({ err }, 'error while draining');
        target.exitCode = 1;
      }
    })();
    return draining;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) target.once(signal, () => void drain(signal));
  return drain;
}
