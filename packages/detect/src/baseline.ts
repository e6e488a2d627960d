import { median, medianAbsoluteDeviation, quantile } from 'simple-statistics';
import type { BaselineSpec } from './rule-schema.ts';

/**
 * Baselines from per-key daily summaries. A history is a run of pairs
 * [day, value, day, value, …] where value is the largest window value
 * the key reached that local day (its daily peak) and day counts local days
 * since 1970-01-01. Only days with activity are kept, at most `historyDays`
 * of them, so a baseline costs 16 bytes a day a key.
 *
 * The two histories a key can have (its rule's windows, `self-match`) share
 * one array, [n, first history (n numbers), second history] (HistoryPair,
 * rule-runner.ts): each array has 48 bytes of headers on a 64-bit heap, and
 * most active users have both histories (heap snapshot of
 * bench/detect.bench.ts). Every function here works on one run, [from, to).
 */

/**
 * Records a closed window's value as the day's peak in the run [from, to) of `list`; returns the list,
 * a new array when a day was added or dropped. Arrays are exactly as long as their contents: a JS push
 * on a two-element history reserved 22 slots (192 bytes for two pairs).
 */
export function foldHistory(list: number[], from: number, to: number, day: number, value: number, historyDays: number): number[] {
  const n = to - from;
  if (n >= 2 && list[to - 2] === day) {
    if (value > (list[to - 1] as number)) list[to - 1] = value;
    return list;
  }
  if (n >= 2 && (list[to - 2] as number) > day) {
    // A window of an earlier day closed late (sliding windows): find its day.
    for (let i = from; i < to; i += 2) {
      if (list[i] === day) {
        if (value > (list[i + 1] as number)) list[i + 1] = value;
        return list;
      }
    }
  }
  const out = spliced(list, to, 0, day, value);
  const end = to + 2;
  if (n >= 2 && (list[to - 2] as number) > day) sortPairs(out, from, end);
  const oldest = day - historyDays;
  let drop = 0;
  while (from + drop < end && (out[from + drop] as number) < oldest) drop += 2;
  if (end - from - drop > historyDays * 2) drop = end - from - historyDays * 2;
  return drop > 0 ? spliced(out, from, drop) : out;
}

/** A copy of `list` without `remove` numbers at `at` and with the pair (day, value) there if given, exactly as long as its contents. */
export function spliced(list: readonly number[], at: number, remove: number, day?: number, value?: number): number[] {
  const add = day === undefined ? 0 : 2;
  const out = new Array<number>(list.length - remove + add).fill(0);
  for (let i = 0; i < at; i++) out[i] = list[i] as number;
  if (add > 0) {
    out[at] = day as number;
    out[at + 1] = value as number;
  }
  for (let i = at + remove; i < list.length; i++) out[i - remove + add] = list[i] as number;
  return out;
}

/** Sorts the pairs of [from, to) by day, in place (stable, like the sort of the pairs it replaces). */
function sortPairs(list: number[], from: number, to: number): void {
  const pairs: [number, number][] = [];
  for (let i = from; i < to; i += 2) pairs.push([list[i] as number, list[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < pairs.length; i++) {
    const [d, v] = pairs[i] as [number, number];
    list[from + 2 * i] = d;
    list[from + 2 * i + 1] = v;
  }
}

/** Values of the days in [day − historyDays, day) of the run [from, to): the history before the day being judged. */
export function valuesBefore(list: readonly number[], from: number, to: number, day: number, historyDays: number, out: number[]): void {
  const first = day - historyDays;
  for (let i = from; i < to; i += 2) {
    const d = list[i] as number;
    if (d >= first && d < day) out.push(list[i + 1] as number);
  }
}

/** The latest day of the run [from, to), or -Infinity when it is empty. */
export function lastDay(list: readonly number[], from: number, to: number): number {
  return to - from >= 2 ? (list[to - 2] as number) : Number.NEGATIVE_INFINITY;
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
