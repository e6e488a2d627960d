import type { Alert } from './alert.ts';
import { foldHistory, lastDay, robustThreshold, spliced, valuesBefore } from './baseline.ts';
import type { RobustThreshold } from './baseline.ts';
import type { WindowAgg } from './distinct-patients.ts';
import { ringValue, windowValue } from './distinct-patients.ts';
import type { KeyState, KeyTable } from './key-table.ts';
import { NO_DAY, THRESHOLD } from './key-table.ts';
import type { LoadedRule } from './load-rules.ts';
import type { LocalClock } from '@chartwatch/facts';
import type { BaselineSpec } from './rule-schema.ts';
import { SlidingAgg } from './sliding-window.ts';

type ComparedWith = Alert['comparedWith'];

/** How long a peers-now pool stands for its window start, in event time (ThresholdPolicy.peersNow). */
const NOW_REFRESH_MS = 30 * 60_000;

/** Bands of the day for sameHours baselines: at most 24 (1h windows); keys are day × 32 + band. */
const BANDS = 32;

/** Values of days in [day − historyDays, day) whose band is b1 or b2 (keys day × BANDS + band). */
function valuesInBands(list: readonly number[], start: number, end: number, day: number, historyDays: number, b1: number, b2: number, out: number[]): void {
  const from = day - historyDays;
  for (let i = start; i < end; i += 2) {
    const key = list[i] as number;
    const d = Math.floor(key / BANDS);
    const band = key - d * BANDS;
    if (d >= from && d < day && (band === b1 || band === b2)) out.push(list[i + 1] as number);
  }
}

/**
 * What a window of one rule must exceed, and the history that sets it: a fixed number, the application's
 * quota, or baselines (the key's own daily peaks, its self-match peaks, its role's peaks, the role's
 * windows open now). It owns KeyState.days (the histories), thresholdKey, center, spread and
 * comparedWith, and the THRESHOLD number of each key's row.
 */
export class ThresholdPolicy {
  /** Baseline sources with a history, in the order they are tried; empty for other rules. */
  private readonly sources: readonly BaselineSpec[];
  /** `peers-now` sources: judged only when a window crosses the threshold of the others (peersNow). */
  private readonly nowSources: readonly BaselineSpec[];
  /** The threshold when no source has enough history: the rule's fallback, else its first source's minimum. */
  private readonly fallback: number | 'none';
  /** History spans kept for the rule's windows and for `self-match`. */
  readonly historyDays: number;
  private readonly matchHistoryDays: number;
  private readonly sameHours: boolean;
  private readonly combineMax: boolean;
  /** Has peers-now sources. */
  readonly judgesNow: boolean;
  /** Peer baselines by `${source}|${day}|${role}`: windows of two days (around midnight) alternate, so one entry per role would thrash. */
  private readonly peerCache = new Map<string, RobustThreshold | null>();
  /** The window start `nowPools` holds the role's open windows for, and the event time they were read at (see peersNow). */
  private nowStart = Number.NaN;
  private nowAt = Number.NaN;
  /** By role: [key number, value, key number, value, …] of the windows open at nowStart. */
  private readonly nowPools = new Map<string, number[]>();
  private readonly scratch: number[] = [];
  private readonly size: number;
  private readonly slide: number;

  constructor(
    private readonly rule: LoadedRule,
    private readonly keys: KeyTable,
    private readonly clock: LocalClock,
    /** The application's daily quota from the vendor list, null when none. */
    private readonly vendorQuota: (clientId: string) => number | null,
  ) {
    const baselines = rule.threshold?.baselines ?? [];
    this.sources = baselines.filter((b) => b.of !== 'peers-now');
    this.nowSources = baselines.filter((b) => b.of === 'peers-now');
    this.judgesNow = this.nowSources.length > 0;
    this.fallback = rule.threshold?.fallback ?? baselines[0]?.minimum ?? 0;
    this.historyDays = Math.max(0, ...this.sources.filter((b) => b.of !== 'self-match').map((b) => b.historyDays));
    this.matchHistoryDays = Math.max(0, ...this.sources.filter((b) => b.of === 'self-match').map((b) => b.historyDays));
    this.sameHours = this.sources.some((b) => b.sameHours);
    this.combineMax = rule.threshold?.combine === 'max';
    this.size = rule.window.size;
    this.slide = rule.window.slide ?? rule.window.size;
  }

  /** A new key's THRESHOLD number: 0, or for a quota rule NaN until the quota is looked up. */
  initialThreshold(): number {
    return this.rule.threshold?.quota === undefined ? 0 : Number.NaN;
  }

  /**
   * The number the window must exceed: -1 for a condition rule (fires on
   * any match), null when the rule does not apply to this key (an application
   * without a quota). Sets the key's comparedWith / center / spread.
   */
  thresholdFor(ks: KeyState, windowStart: number): number | null {
    const spec = this.rule.threshold;
    if (spec === undefined) {
      ks.comparedWith = 'condition';
      return -1;
    }
    const keys = this.keys;
    if (spec.above !== undefined) {
      ks.comparedWith = 'fixed';
      keys.rowsOf(ks.num)[keys.rowAt(ks.num) + THRESHOLD] = spec.above;
      return spec.above;
    }
    if (spec.quota !== undefined) {
      const rows = keys.rowsOf(ks.num);
      const at = keys.rowAt(ks.num) + THRESHOLD;
      let quota = rows[at] as number;
      if (Number.isNaN(quota)) rows[at] = quota = this.vendorQuota(ks.actorId) ?? Number.NEGATIVE_INFINITY;
      ks.comparedWith = 'quota';
      return quota === Number.NEGATIVE_INFINITY ? null : quota;
    }
    const day = this.clock.dayIndex(windowStart);
    // With sameHours the threshold depends on the hours of the window too: cache per (day, band pair).
    const cacheKey = this.sameHours ? day * BANDS * BANDS + this.band(windowStart) * BANDS + this.band(windowStart + this.size - 1) : day;
    // The key holds the day: a different day is a different key.
    if (ks.thresholdKey !== cacheKey) {
      ks.thresholdKey = cacheKey;
      let best: RobustThreshold | null = null;
      let comparedWith: ComparedWith = 'fixed';
      for (let i = 0; i < this.sources.length; i++) {
        if (best !== null && !this.combineMax) break;
        const b = this.sources[i] as BaselineSpec;
        let result: RobustThreshold | null = null;
        if (b.of === 'peers') {
          if (ks.role !== null) result = this.peerThreshold(i, ks.role, day, b);
        } else {
          const list = ks.days;
          if (list === null) continue;
          const n = list[0] as number;
          const from = b.of === 'self' ? 1 : 1 + n;
          const to = b.of === 'self' ? 1 + n : list.length;
          // An empty run is a history the key does not have (runs are never emptied, they are dropped).
          if (from === to) continue;
          const values = this.scratch;
          values.length = 0;
          if (b.sameHours) {
            // Each band the window overlaps on its own (pooling an idle early hour with a busy one would halve the usual).
            const b1 = this.band(windowStart);
            const b2 = this.band(windowStart + this.size - 1);
            for (const band of b1 === b2 ? [b1] : [b1, b2]) {
              values.length = 0;
              valuesInBands(list, from, to, day, b.historyDays, band, band, values);
              if (values.length < b.minHistoryDays) continue;
              const r = robustThreshold(values, b);
              if (result === null || r.threshold > result.threshold) result = r;
            }
          } else {
            valuesBefore(list, from, to, day, b.historyDays, values);
            if (values.length >= b.minHistoryDays) result = robustThreshold(values, b);
          }
        }
        if (result !== null && (best === null || result.threshold > best.threshold)) {
          best = result;
          comparedWith = b.of === 'peers' ? 'baseline-peers' : 'baseline-self';
        }
      }
      ks.comparedWith = comparedWith;
      const fallback = this.fallback;
      // NaN: no baseline and fallback "none", the rule stays silent for this key today.
      keys.rowsOf(ks.num)[keys.rowAt(ks.num) + THRESHOLD] = best !== null ? best.threshold : fallback === 'none' ? Number.NaN : fallback;
      ks.center = best === null ? null : best.center;
      ks.spread = best === null ? null : best.spread;
    }
    const threshold = keys.rowsOf(ks.num)[keys.rowAt(ks.num) + THRESHOLD] as number;
    return Number.isNaN(threshold) ? null : threshold;
  }

  /**
   * The threshold the other keys of ks's role set with the windows they have open at `start` (peers-now
   * sources), when it is above `threshold` (the other sources'), else null. Called only for a window that
   * crossed `threshold` and is not suppressed, so the walk over the rule's keys is paid for the rare window
   * about to fire, once per role and window start: the pool is kept until a window of another start asks,
   * or for at most NOW_REFRESH_MS of event time (a day's tumbling window would otherwise keep its morning's pool).
   * A peer's window counts if the peer is at work now, with its value then: sliding, an event in the judged
   * window's last two panes (the end of a night shift still inside a morning window would pull the pool
   * down to its tail); tumbling, an event in the window of the same start.
   */
  peersNow(ks: KeyState, start: number, threshold: number, t: number): RobustThreshold | null {
    const role = ks.role;
    if (role === null) return null;
    if (start !== this.nowStart || !(Math.abs(t - this.nowAt) < NOW_REFRESH_MS)) {
      this.nowStart = start;
      this.nowAt = t;
      this.nowPools.clear();
    }
    let pool = this.nowPools.get(role);
    if (pool === undefined) {
      pool = [];
      const recent = start + this.size - 2 * this.slide;
      const list = this.keys.list;
      const measure = this.rule.measure;
      for (let i = 0; i < list.length; i++) {
        const member = list[i];
        if (member === undefined || member.role !== role || member.win === null) continue;
        let value = -1;
        if (member.win instanceof SlidingAgg) {
          const ring = member.win;
          if (ring.head >= recent) value = ringValue(ring, measure);
        } else {
          for (let w: WindowAgg | null = member.win; w !== null; w = w.next) if (w.start === start) value = windowValue(w, measure);
        }
        if (value >= 0) pool.push(member.num, value);
      }
      this.nowPools.set(role, pool);
    }
    let best: RobustThreshold | null = null;
    const values = this.scratch;
    for (const b of this.nowSources) {
      values.length = 0;
      for (let i = 0; i < pool.length; i += 2) if (pool[i] !== ks.num) values.push(pool[i + 1] as number);
      if (values.length < b.minPeers) continue;
      const r = robustThreshold(values, b);
      if (r.threshold > threshold && (best === null || r.threshold > best.threshold)) best = r;
    }
    return best;
  }

  private peerThreshold(source: number, role: string, day: number, b: BaselineSpec): RobustThreshold | null {
    const cacheKey = `${source}|${day}|${role}`;
    const cached = this.peerCache.get(cacheKey);
    if (cached !== undefined) return cached;
    // The role's keys are found by a walk over all keys, once per role and day (peerCache): the statistics
    // sort their values, so the order of the pool does not matter, and no Set per role is kept per key.
    let result: RobustThreshold | null = null;
    const pool: number[] = [];
    let contributors = 0;
    const list = this.keys.list;
    for (let i = 0; i < list.length; i++) {
      const member = list[i];
      if (member === undefined || member.role !== role || member.days === null) continue;
      const days = member.days;
      const n = days[0] as number;
      if (n === 0) continue;
      const before = pool.length;
      valuesBefore(days, 1, 1 + n, day, b.historyDays, pool);
      if (pool.length > before) contributors++;
    }
    if (contributors >= b.minPeers && pool.length >= b.minHistoryDays) result = robustThreshold(pool, b);
    this.peerCache.set(cacheKey, result);
    return result;
  }

  /**
   * Sliding rules: the newest window's value so far is a lower bound of its day's peak, recorded now (there is
   * no per-window close), unless the window holds the key's last alert (`lastFired`): those windows are the
   * incident's, not the key's usual volume.
   */
  recordSliding(ks: KeyState, start: number, value: number, lastFired: number): void {
    if (this.historyDays === 0) return;
    if (start <= lastFired && start + this.size > lastFired) return;
    const day = this.clock.dayIndex(start);
    this.fold(ks, false, day, value, this.historyDays);
    if (day < this.cachedDay(ks)) ks.thresholdKey = NO_DAY;
  }

  /** Records a closed window's final value (its own history) and drops the cached threshold. */
  recordClosed(ks: KeyState, start: number, value: number): void {
    this.fold(ks, false, this.clock.dayIndex(start), value, this.historyDays);
    ks.thresholdKey = NO_DAY;
  }

  /**
   * Self-match history: with sameHours, one entry per (day, band of the
   * day), stored under day × BANDS + band so the day-peak fold and the
   * history span work unchanged.
   */
  recordMatch(ks: KeyState, start: number, value: number): void {
    const day = this.clock.dayIndex(start);
    const key = this.sameHours ? day * BANDS + this.band(start) : day;
    this.fold(ks, true, key, value, this.sameHours ? this.matchHistoryDays * BANDS : this.matchHistoryDays);
    if (day < this.cachedDay(ks)) ks.thresholdKey = NO_DAY;
  }

  /** Records a day's peak in the key's own history (match false) or its self-match history (KeyState.days). */
  private fold(ks: KeyState, match: boolean, day: number, value: number, historyDays: number): void {
    const list = ks.days;
    // A literal of three allocates three slots; [] then push would allocate seventeen.
    if (list === null) {
      ks.days = match ? [0, day, value] : [2, day, value];
      return;
    }
    const n = list[0] as number;
    if (match) {
      ks.days = foldHistory(list, 1 + n, list.length, day, value, historyDays);
      return;
    }
    const folded = foldHistory(list, 1, 1 + n, day, value, historyDays);
    if (folded !== list) folded[0] = n + folded.length - list.length;
    ks.days = folded;
  }

  /** The day of the key's cached threshold (NO_DAY / BANDS² when none: below any day too). */
  private cachedDay(ks: KeyState): number {
    return this.sameHours ? Math.floor(ks.thresholdKey / (BANDS * BANDS)) : ks.thresholdKey;
  }

  private band(t: number): number {
    return Math.floor(this.clock.minuteOfDay(t) / (this.size / 60_000));
  }

  /** Drops the key's histories whose newest day has aged out of their span. */
  ageHistory(ks: KeyState, today: number): void {
    const days = ks.days;
    if (days === null) return;
    const n = days[0] as number;
    const dropOwn = n > 0 && lastDay(days, 1, 1 + n) < today - this.historyDays;
    let dropMatch = false;
    if (days.length > 1 + n) {
      const last = lastDay(days, 1 + n, days.length);
      dropMatch = (this.sameHours ? Math.floor(last / BANDS) : last) < today - this.matchHistoryDays;
    }
    if (dropOwn || dropMatch) {
      const rest = dropOwn && dropMatch ? [0] : dropOwn ? spliced(days, 1, n) : spliced(days, 1 + n, days.length - 1 - n);
      if (dropOwn) rest[0] = 0;
      ks.days = rest.length > 1 ? rest : null;
    }
  }

  /** Drops peer baselines of days before yesterday. */
  ageCache(today: number): void {
    for (const k of this.peerCache.keys()) {
      const day = Number(k.split('|')[1]);
      if (day < today - 1) this.peerCache.delete(k);
    }
  }
}
