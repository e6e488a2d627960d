/**
 * Durations as operators write them in rule files and flags: an integer and
 * a unit (`500ms`, `30s`, `15m`, `1h`, `1d`, `2w`). Only one unit per value
 * keeps the files readable and the parser obvious.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PATTERN = /^(\d{1,9})(ms|s|m|h|d|w)$/;

export const DURATION_HINT = 'is not a duration like 15m, 1h, 1d';

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION_PATTERN.exec(text.trim());
  if (m === null) return null;
  const unit = UNIT_MS[m[2] as string];
  if (unit === undefined) return null;
  return Number(m[1]) * unit;
}

/** The shortest exact spelling of a duration, for explanations and summaries. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
