import type { Logger } from '@chartwatch/logger';

/**
 * The parts `start` has started, in order, so they stop in reverse: the feed
 * before the API, the API before the detector, the detector before ingest,
 * ingest before the bus, the bus before the store. A part that fails to
 * stop is logged and the others still stop.
 */
export class Lifecycle {
  readonly #parts: { name: string; stop: () => Promise<void> }[] = [];
  #stopping: Promise<boolean> | null = null;

  constructor(private readonly logger: Logger) {}

  /** Registers a started part. */
  add(name: string, stop: () => Promise<void>): void {
    this.#parts.push({ name, stop });
  }

  get names(): string[] {
    return this.#parts.map((p) => p.name);
  }

  /** Stops every part, newest first; resolves true when all stopped cleanly. Calling it again returns the same promise. */
  stopAll(): Promise<boolean> {
    this.#stopping ??= (async () => {
      let clean = true;
      for (const part of this.#parts.splice(0).reverse()) {
        const started = Date.now();
        try {
          await part.stop();
          this.logger.info({ part: part.name, ms: Date.now() - started }, 'stopped');
        } catch (err) {
          clean = false;
          this.logger.error({ err, part: part.name }, 'failed to stop cleanly');
        }
      }
      return clean;
    })();
    return this.#stopping;
  }
}
