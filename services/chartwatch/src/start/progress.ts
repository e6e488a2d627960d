/**
 * A progress line on stderr. On a terminal: one line redrawn in place, a
 * bar when the fraction is known. Elsewhere (a pipe, a CI log): a plain
 * line at every tenth of the way and at least every `plainEveryMs`, since a
 * log full of carriage returns is unreadable.
 */
export interface Progress {
  /** fraction in [0, 1], or null when unknown; text says what is happening. */
  update(fraction: number | null, text: string): void;
  /** A line of its own above the bar (the bar is redrawn under it). */
  note(line: string): void;
  /** Final state; the bar's line is left on the screen. */
  done(text: string): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Shortest time between two redraws on a terminal. Default 100 ms. */
  redrawMs?: number;
  /** Longest time between two plain lines. Default 15 s. */
  plainEveryMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 24;

export function bar(fraction: number, width = BAR_WIDTH): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

export function createProgress(stream: ProgressStream, options: ProgressOptions = {}): Progress {
  const now = options.now ?? Date.now;
  const redrawMs = options.redrawMs ?? 100;
  const plainEveryMs = options.plainEveryMs ?? 15_000;
  const tty = stream.isTTY === true;
  let last = { fraction: null as number | null, text: '' };
  let drawnAt = -Infinity;
  let onScreen = false;
  let plainStep = -1;
  let plainAt = -Infinity;

  function line(fraction: number | null, text: string): string {
    return fraction === null ? text : `${bar(fraction)} ${text}`;
  }

  function draw(): void {
    // A terminal of unknown size (columns 0, as under `script`) gets 100.
    const width = Math.max(20, (stream.columns || 100) - 1);
    stream.write(`\r\x1b[2K${line(last.fraction, last.text).slice(0, width)}`);
    onScreen = true;
    drawnAt = now();
  }

  return {
    update(fraction, text): void {
      last = { fraction, text };
      if (tty) {
        if (now() - drawnAt >= redrawMs) draw();
        return;
      }
      const step = fraction === null ? plainStep : Math.floor(fraction * 10);
      if (step > plainStep || now() - plainAt >= plainEveryMs) {
        plainStep = Math.max(step, plainStep);
        plainAt = now();
        stream.write(`${line(fraction, text)}\n`);
      }
    },
    note(text): void {
      if (tty && onScreen) {
        stream.write(`\r\x1b[2K${text}\n`);
        draw();
      } else {
        stream.write(`${text}\n`);
      }
    },
    done(text): void {
      last = { fraction: last.fraction, text };
      if (tty) {
        draw();
        stream.write('\n');
        onScreen = false;
      } else {
        stream.write(`${line(last.fraction, text)}\n`);
      }
    },
  };
}
