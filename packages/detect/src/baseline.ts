import { median, medianAbsoluteDeviation, quantile } from 'simple-statistics';
import type { BaselineSpec } from './rule-schema.ts';

/**
 * Baselines from per-key daily summaries. A key's history is a flat list of
 * pairs [day, value, day, value, …] where value is the largest window value
 * the key reached that local day (its daily peak) and day counts local days
 * since 1970-01-01. Only days with activity are kept, at most `historyDays`
 * of them, so a baseline costs 16 bytes a day a key.
 */

/**
 * Records a closed window's value as the day's peak; returns the history, a new array when a day was
 * added or dropped. Arrays are exactly as long as their pairs: a JS push on a two-element history
 * reserves 22 slots (192 bytes on a 64-bit heap for two pairs), and every active user has one or two
 * histories (heap snapshot of bench/detect.bench.ts: ≈ 120 bytes an array before, 64–80 after).
 */
export function foldHistory(history: number[], day: number, value: number, historyDays: number): number[] {
  const n = history.length;
  if (n >= 2 && history[n - 2] === day) {
    if (value > (history[n - 1] as number)) history[n - 1] = value;
    return history;
  }
  let out: number[];
  if (n >= 2 && (history[n - 2] as number) > day) {
    // A window of an earlier day closed late (sliding windows): find its day.
    for (let i = 0; i < n; i += 2) {
      if (history[i] === day) {
        if (value > (history[i + 1] as number)) history[i + 1] = value;
        return history;
      }
    }
    out = appended(history, day, value);
    sortPairs(out);
  } else {
    out = appended(history, day, value);
  }
  const oldest = day - historyDays;
  let drop = 0;
  while (drop < out.length && (out[drop] as number) < oldest) drop += 2;
  if (out.length - drop > historyDays * 2) drop = out.length - historyDays * 2;
  return drop > 0 ? out.slice(drop) : out;
}

/** A copy of `history` one pair longer, with no spare capacity. */
function appended(history: readonly number[], day: number, value: number): number[] {
  const n = history.length;
  const out = new Array<number>(n + 2).fill(0);
  for (let i = 0; i < n; i++) out[i] = history[i] as number;
  out[n] = day;
  out[n + 1] = value;
  return out;
}

function sortPairs(history: number[]): void {
  const pairs: [number, number][] = [];
  for (let i = 0; i < history.length; i += 2) pairs.push([history[i] as number, history[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  // In place: the array keeps its exact length.
  for (let i = 0; i < pairs.length; i++) {
    const [d, v] = pairs[i] as [number, number];
    history[2 * i] = d;
    history[2 * i + 1] = v;
  }
}

/** Values of the days in [day − historyDays, day): the history before the day being judged. */
export function valuesBefore(history: readonly number[], day: number, historyDays: number, out: number[]): void {
  const from = day - historyDays;
  for (let i = 0; i < history.length; i += 2) {
    const d = history[i] as number;
    if (d >= from && d < day) out.push(history[i + 1] as number);
  }
}

/** The latest day in a history, or -Infinity. */
export function lastDay(history: readonly number[]): number {
  return history.length >= 2 ? (history[history.length - 2] as number) : Number.NEGATIVE_INFINITY;
}

export interface RobustThreshold {
  threshold: number;
  /** The median (mad) or the quantile (quantile): the "usual" value shown to the analyst. */
  center: number;
  /** The MAD (mad) or null (quantile). */
  spread: number | null;
}

/**
 * max(minimum, median + k·MAD, ratio·median) for `mad`, or
 * max(minimum, factor·quantile, ratio·median) for `quantile`. The ratio term
 * keeps a perfectly regular history (MAD 0) from firing on a value just one
 * above the usual.
 */
export function robustThreshold(values: readonly number[], spec: BaselineSpec): RobustThreshold {
  const med = median(values as number[]);
  if (spec.statistic === 'quantile') {
    const q = quantile(values as number[], spec.quantile);
    return { threshold: Math.max(spec.minimum, spec.factor * q, spec.ratio * med), center: q, spread: null };
  }
  const mad = medianAbsoluteDeviation(values as number[]);
  return { threshold: Math.max(spec.minimum, med + spec.k * mad, spec.ratio * med), center: med, spread: mad };
}
