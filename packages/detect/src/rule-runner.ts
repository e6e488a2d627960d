import type { Alert } from './alert.ts';
import { buildAlert } from './alert-builder.ts';
import type { WindowView } from './alert-builder.ts';
import type { RobustThreshold } from './baseline.ts';
import { compileConditions } from './conditions.ts';
import type { EventPredicate, PatientPredicate } from './conditions.ts';
import type { PatientFacts } from '@chartwatch/facts';
import { citedEvents, citedPatients, countEvent, dropEvidence, openWindow, ringValue, windowValue } from './distinct-patients.ts';
import type { WindowAgg } from './distinct-patients.ts';
import type { EventContext } from './event-context.ts';
import { compileMatch } from './event-filter.ts';
import { KeyTable, LAST_FIRED, MATCH, THRESHOLD } from './key-table.ts';
import type { KeyState } from './key-table.ts';
import type { LoadedRule } from './load-rules.ts';
import type { LocalClock } from '@chartwatch/facts';
import { addMatch, matchFields, matchStart, matchValue, resetMatch } from './match-tracker.ts';
import { prefilteredMatch, requiredBits } from './prefilter.ts';
import { ringShape, SlidingAgg } from './sliding-window.ts';
import type { RingShape } from './sliding-window.ts';
import { ThresholdPolicy } from './threshold-policy.ts';

export interface RuleRunnerDeps {
  clock: LocalClock;
  /** The application's daily quota from the vendor list, null when none. */
  vendorQuota(clientId: string): number | null;
  /** A window ending at `end` was opened: the detector closes it when the watermark passes. */
  scheduled(end: number): void;
}

export interface RuleCounters {
  fired: number;
  suppressed: number;
  /** Events of a sliding rule older than the key's newest window (possible only when the lateness exceeds size − slide). */
  outsideWindow: number;
}

/**
 * One compiled rule with its window state: it filters events (match, conditions), counts them in the
 * windows of their key (tumbling: distinct-patients.ts; sliding: sliding-window.ts), asks the threshold
 * policy what a window must exceed, and closes windows as the watermark passes. Keys and their rows are
 * the key table's (key-table.ts), alerts the alert builder's (alert-builder.ts). `offer` is called for
 * every event; it returns at the first failing predicate, which is where nearly every event ends.
 */
export class RuleRunner {
  readonly counters: RuleCounters = { fired: 0, suppressed: 0, outsideWindow: 0 };
  /** Prefilter bits the event must have for this rule to look at it (prefilter.ts). */
  readonly required: number;
  /** `match:` predicates (those the prefilter bits do not decide), then event conditions. */
  private readonly matchChecks: EventPredicate[];
  /** Has a self-match baseline: every event passing `match` feeds its tracker, before the conditions. */
  private readonly tracks: boolean;
  private readonly checks: EventPredicate[];
  private readonly patientChecks: PatientPredicate[];
  private readonly keys: KeyTable;
  private readonly policy: ThresholdPolicy;
  /** Keys with a window ending at each pending end; `ends` is sorted ascending. */
  private readonly closing = new Map<number, KeyState[]>();
  private readonly ends: number[] = [];
  /** Patients that passed the patient conditions, as idx and id. */
  private readonly matchedIdxs: number[] = [];
  private readonly matchedIds: string[] = [];
  private readonly size: number;
  private readonly slide: number;
  /** Baseline rules keep counting after an alert: the window's final value feeds the history (or a peers-now pool). */
  private readonly keepsCounting: boolean;
  private readonly suppressMs: number;
  /** Sliding rules: what their pane rings share. */
  private readonly ring: RingShape;

  constructor(
    readonly rule: LoadedRule,
    private readonly deps: RuleRunnerDeps,
  ) {
    const conditions = compileConditions(rule.conditions);
    const baselines = rule.threshold?.baselines ?? [];
    const tracks = baselines.some((b) => b.of === 'self-match');
    // A self-match baseline watches every event that passes match, so only match can gate the rule.
    this.required = requiredBits(rule, tracks);
    const prefiltered = prefilteredMatch(rule);
    this.matchChecks = tracks ? compileMatch(rule.match, prefiltered) : [];
    this.checks = tracks ? conditions.event : [...compileMatch(rule.match, prefiltered), ...conditions.event];
    this.tracks = tracks;
    this.patientChecks = conditions.patient;
    this.size = rule.window.size;
    this.slide = rule.window.slide ?? rule.window.size;
    const rowSize = tracks ? MATCH + matchFields(rule.measure) : MATCH;
    const measure = rule.measure;
    // A self-match rule has a key for nearly every active actor (index them by slot); other rules for few of them.
    this.keys = new KeyTable(rowSize, tracks, (rows, at) => {
      rows[at + LAST_FIRED] = Number.NEGATIVE_INFINITY;
      rows[at + THRESHOLD] = this.policy.initialThreshold();
      if (rowSize > MATCH) resetMatch(rows, at + MATCH, measure);
    });
    this.policy = new ThresholdPolicy(rule, this.keys, deps.clock, deps.vendorQuota);
    // Peers-now reads the other keys' windows as they stand: an alerted window still counts there.
    this.keepsCounting = this.policy.historyDays > 0 || this.policy.judgesNow;
    // Overlapping sliding windows would each fire for one burst: "per window" means "per window size" there.
    this.ring = ringShape(this.size / this.slide, this.slide, rule.measure === 'records');
    this.suppressMs = rule.suppress === 'window' ? (this.slide < this.size ? this.size : 0) : rule.suppress;
  }

  get id(): string {
    return this.rule.id;
  }

  /** Earliest pending window end, or +Infinity. */
  nextEnd(): number {
    return this.ends.length > 0 ? (this.ends[0] as number) : Number.POSITIVE_INFINITY;
  }

  get activeKeys(): number {
    return this.keys.live;
  }

  activeWindows(): number {
    let n = 0;
    for (const k of this.keys.list) {
      if (k === undefined || k.win === null) continue;
      if (k.win instanceof SlidingAgg) n++;
      else for (let w: WindowAgg | null = k.win; w !== null; w = w.next) n++;
    }
    return n;
  }

  /** The key table's broken invariants (KeyTable.brokenInvariants), for tests. */
  brokenInvariants(): string[] {
    return this.keys.brokenInvariants();
  }

  offer(ctx: EventContext, out: Alert[] | null): void {
    let tracked: KeyState | null = null;
    if (this.tracks) {
      const mchecks = this.matchChecks;
      for (let i = 0; i < mchecks.length; i++) if (!(mchecks[i] as EventPredicate)(ctx)) return;
      tracked = this.track(ctx);
    }
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) if (!(checks[i] as EventPredicate)(ctx)) return;
    let idxs: readonly number[];
    let ids: readonly string[];
    const pchecks = this.patientChecks;
    if (pchecks.length > 0) {
      const patients = ctx.patientFacts();
      const mi = this.matchedIdxs;
      const ms = this.matchedIds;
      mi.length = 0;
      ms.length = 0;
      outer: for (let i = 0; i < patients.length; i++) {
        const p = patients[i] as PatientFacts;
        for (let j = 0; j < pchecks.length; j++) if (!(pchecks[j] as PatientPredicate)(ctx, p)) continue outer;
        mi.push(p.idx);
        ms.push(p.id);
      }
      if (mi.length === 0) return;
      idxs = mi;
      ids = ms;
    } else {
      idxs = ctx.patientIdxs();
      ids = ctx.event.patientIds;
    }
    const actorId = ctx.actor.id;
    if (this.rule.key === 'actor+patient') {
      for (let i = 0; i < idxs.length; i++) {
        const id = ids[i] as string;
        this.add(ctx, `${actorId}\u0000${id}`, id, idxs, ids, i, i + 1, out);
      }
    } else {
      // The tracker's key is this key: found once (a walk of the actor's keys, or a miss) for both.
      this.add(ctx, actorId, null, idxs, ids, 0, idxs.length, out, tracked);
    }
  }

  /** Feeds the self-match tracker of the event's key (actor or application: self-match needs a per-actor key). */
  private track(ctx: EventContext): KeyState {
    const ks = this.keyState(ctx, ctx.actor.id, null);
    const rows = this.keys.rowsOf(ks.num);
    const at = this.keys.rowAt(ks.num) + MATCH;
    const previous = matchStart(rows, at);
    const finished = addMatch(rows, at, this.rule.measure, this.deps.clock.alignedStart(ctx.t, this.size), ctx.event.records, ctx.patientIdxs());
    if (finished >= 0) this.policy.recordMatch(ks, previous, finished);
    return ks;
  }

  private keyState(ctx: EventContext, mapKey: string, patientId: string | null): KeyState {
    return this.keys.find(ctx.actor, ctx.event.actor.kind, ctx.eventRole, mapKey, patientId);
  }

  private add(ctx: EventContext, mapKey: string, patientId: string | null, idxs: readonly number[], ids: readonly string[], from: number, to: number, out: Alert[] | null, known: KeyState | null = null): void {
    const ks = known ?? this.keyState(ctx, mapKey, patientId);
    const t = ctx.t;
    const clock = this.deps.clock;
    if (this.slide === this.size) {
      this.update(ctx, ks, this.windowAt(ks, clock.alignedStart(t, this.size)), idxs, ids, from, to, out);
    } else {
      this.updateSliding(ctx, ks, clock.alignedStart(t, this.slide), idxs, from, to, out);
    }
  }

  private updateSliding(ctx: EventContext, ks: KeyState, pane: number, idxs: readonly number[], from: number, to: number, out: Alert[] | null): void {
    let agg = ks.win as SlidingAgg | null;
    if (agg === null) {
      agg = ks.win = new SlidingAgg(this.ring);
      this.scheduleClose(pane + this.size, ks);
    }
    const eventId = ctx.event.eventId;
    if (!agg.add(pane, ctx.event.records, eventId, idxs, from, to)) {
      this.counters.outsideWindow++;
      return;
    }
    const observed = ringValue(agg, this.rule.measure);
    const start = agg.windowStart;
    // The threshold of `start`'s day reads only earlier days, so it is judged before this value is recorded.
    const threshold = this.policy.thresholdFor(ks, start);
    const t = ctx.t;
    const rows = this.keys.rowsOf(ks.num);
    const fired = this.keys.rowAt(ks.num) + LAST_FIRED;
    if (threshold === null || (threshold >= 0 ? observed <= threshold : observed < 1)) {
      if (threshold !== null && !agg.armed && (threshold < 0 || observed * 2 >= threshold)) agg.arm(eventId, pane);
      this.policy.recordSliding(ks, start, observed, rows[fired] as number);
      return;
    }
    if (!agg.armed) agg.arm(eventId, pane);
    // A window that crossed its threshold right after an alert is the same incident: it stays out of history.
    if (Math.abs(t - (rows[fired] as number)) < this.suppressMs) {
      this.counters.suppressed++;
      return;
    }
    const now = this.policy.judgesNow ? this.policy.peersNow(ks, start, threshold, t) : null;
    if (now !== null && observed <= now.threshold) {
      // Workload, as the role's others at work show: history.
      this.policy.recordSliding(ks, start, observed, rows[fired] as number);
      return;
    }
    // An alerted window never enters the key's history, nor through it the role's (peers): one incident
    // must not raise the bar for the next (a bulk read three weeks earlier hid a 99-patient night).
    rows[fired] = t;
    if (out !== null) {
      this.counters.fired++;
      const directory = ctx.directory;
      out.push(
        this.alert(ctx, ks, observed, threshold, now, {
          start,
          end: agg.head + this.slide,
          evidenceCount: agg.count(),
          patientCount: agg.distinctPatients(),
          patientIds: agg.patientIdxs().map((i) => directory.idOf(i)),
          evidenceIds: agg.evidenceIds(),
        }),
      );
    }
  }

  private windowAt(ks: KeyState, start: number): WindowAgg {
    let last: WindowAgg | null = null;
    for (let o = ks.win as WindowAgg | null; o !== null; o = o.next) {
      if (o.start === start) return o;
      last = o;
    }
    const w = openWindow(start);
    if (last === null) ks.win = w;
    else last.next = w;
    this.scheduleClose(start + this.size, ks);
    return w;
  }

  private scheduleClose(end: number, ks: KeyState): void {
    let bucket = this.closing.get(end);
    if (bucket === undefined) {
      bucket = [];
      this.closing.set(end, bucket);
      const ends = this.ends;
      let i = ends.length;
      while (i > 0 && (ends[i - 1] as number) > end) i--;
      ends.splice(i, 0, end);
      this.deps.scheduled(end);
    }
    bucket.push(ks);
  }

  private update(ctx: EventContext, ks: KeyState, w: WindowAgg, idxs: readonly number[], patientIds: readonly string[], from: number, to: number, out: Alert[] | null): void {
    if (w.fired && !this.keepsCounting) {
      this.counters.suppressed++;
      return;
    }
    countEvent(w, ctx.event.records, ctx.event.eventId, idxs, patientIds, from, to);
    if (w.fired) {
      this.counters.suppressed++;
      return;
    }
    const threshold = this.policy.thresholdFor(ks, w.start);
    if (threshold === null) return;
    const observed = windowValue(w, this.rule.measure);
    if (threshold >= 0 ? observed <= threshold : observed < 1) return;
    const t = ctx.t;
    const rows = this.keys.rowsOf(ks.num);
    const fired = this.keys.rowAt(ks.num) + LAST_FIRED;
    if (this.suppressMs > 0 && Math.abs(t - (rows[fired] as number)) < this.suppressMs) {
      this.counters.suppressed++;
      return;
    }
    const now = this.policy.judgesNow ? this.policy.peersNow(ks, w.start, threshold, t) : null;
    if (now !== null && observed <= now.threshold) return;
    w.fired = true;
    rows[fired] = t;
    if (out !== null) {
      this.counters.fired++;
      out.push(
        this.alert(ctx, ks, observed, threshold, now, {
          start: w.start,
          end: w.start + this.size,
          evidenceCount: w.count,
          patientCount: w.distinct,
          patientIds: citedPatients(w),
          evidenceIds: citedEvents(w),
        }),
      );
    }
    if (!this.keepsCounting) dropEvidence(w);
  }

  private alert(ctx: EventContext, ks: KeyState, observed: number, threshold: number, now: RobustThreshold | null, w: WindowView): Alert {
    return buildAlert(this.rule, this.deps.clock, ctx, ks, { observed, threshold, now }, w);
  }

  /** Closes the windows that end at or before the watermark: their final values feed baselines, then they are dropped. */
  closeUntil(watermark: number): void {
    const ends = this.ends;
    while (ends.length > 0 && (ends[0] as number) <= watermark) {
      const end = ends.shift() as number;
      const bucket = this.closing.get(end);
      this.closing.delete(end);
      if (bucket === undefined) continue;
      for (const ks of bucket) this.closeKey(ks, watermark);
    }
  }

  private closeKey(ks: KeyState, watermark: number): void {
    const win = ks.win;
    if (win === null) {
      if (this.forgettable(ks, watermark)) this.keys.forget(ks);
      return;
    }
    if (win instanceof SlidingAgg) {
      const end = win.head + this.size;
      if (end > watermark) {
        this.scheduleClose(end, ks);
        return;
      }
      ks.win = null;
      if (this.forgettable(ks, watermark)) this.keys.forget(ks);
      return;
    }
    // Keeps the windows still open, in order.
    let first: WindowAgg | null = null;
    let last: WindowAgg | null = null;
    for (let one: WindowAgg | null = win; one !== null; ) {
      const next: WindowAgg | null = one.next;
      if (one.start + this.size <= watermark) {
        // An alerted window stays out of the key's (and the role's) history.
        if (this.policy.historyDays > 0 && !one.fired) this.policy.recordClosed(ks, one.start, windowValue(one, this.rule.measure));
      } else {
        one.next = null;
        if (last === null) first = one;
        else last.next = one;
        last = one;
      }
      one = next;
    }
    ks.win = first;
    if (first === null && this.forgettable(ks, watermark)) this.keys.forget(ks);
  }

  private forgettable(ks: KeyState, watermark: number): boolean {
    if (ks.win !== null) return false;
    if (ks.days !== null && ks.days.length > 1) return false;
    const rows = this.keys.rowsOf(ks.num);
    const at = this.keys.rowAt(ks.num);
    if (this.keys.rowSize > MATCH) {
      const start = matchStart(rows, at + MATCH);
      if (start !== Number.NEGATIVE_INFINITY && start + this.size > watermark) return false;
    }
    return this.suppressMs === 0 || (rows[at + LAST_FIRED] as number) + this.suppressMs <= watermark;
  }

  /** Daily housekeeping: closes idle trackers, drops keys whose history has aged out and expired suppressions. */
  sweep(watermark: number): void {
    const today = this.deps.clock.dayIndex(watermark);
    const list = this.keys.list;
    for (let i = 0; i < list.length; i++) {
      const ks = list[i];
      if (ks === undefined) continue;
      if (this.keys.rowSize > MATCH) {
        const rows = this.keys.rowsOf(ks.num);
        const at = this.keys.rowAt(ks.num) + MATCH;
        const start = matchStart(rows, at);
        if (start !== Number.NEGATIVE_INFINITY && start + this.size <= watermark) {
          this.policy.recordMatch(ks, start, matchValue(rows, at, this.rule.measure));
          resetMatch(rows, at, this.rule.measure);
        }
      }
      if (ks.win !== null) continue;
      this.policy.ageHistory(ks, today);
      if (this.forgettable(ks, watermark)) this.keys.forget(ks);
    }
    this.policy.ageCache(today);
  }
}
