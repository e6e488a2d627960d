import type { ActorKind } from '@chartwatch/event';
import type { Alert } from './alert.ts';
import { MAX_EVIDENCE_IDS } from './alert.ts';
import { alertIdOf } from './alert-id.ts';
import { foldHistory, lastDay, robustThreshold, spliced, valuesBefore } from './baseline.ts';
import type { RobustThreshold } from './baseline.ts';
import { compileConditions } from './conditions.ts';
import type { EventPredicate, PatientPredicate } from './conditions.ts';
import type { PatientFacts } from './directory.ts';
import { formatDuration } from './duration.ts';
import type { EventContext } from './event-context.ts';
import { compileMatch } from './event-filter.ts';
import { prefilteredMatch, requiredBits } from './prefilter.ts';
import { formatNumber } from './explanation.ts';
import { formatIso } from './iso-time.ts';
import type { LoadedRule } from './load-rules.ts';
import type { LocalClock } from './local-clock.ts';
import type { BaselineSpec, Measure } from './rule-schema.ts';
import { addMatch, matchFields, matchStart, matchValue, resetMatch } from './match-tracker.ts';
import { ringShape, SlidingAgg } from './sliding-window.ts';
import type { RingShape } from './sliding-window.ts';

type ComparedWith = Alert['comparedWith'];

/**
 * One window of one key: running aggregates and the evidence an alert would cite. It ends at start + the
 * rule's window size (an `end` field was 8 bytes and a 16-byte boxed double on every open window).
 */
interface WindowAgg {
  readonly start: number;
  /** The key's next open window (a late event's window is still open beside the current one), in opening order. */
  next: WindowAgg | null;
  count: number;
  records: number;
  /**
   * Distinct patients (as PatientFacts.idx): a Set while small, then a bitmap over idx (an application's
   * daily window sees tens of thousands: a Set insert there cost ≈10% of the core in bench/detect.bench.ts,
   * the bitmap is one load and one store, and 25 KB for 200,000 patients against ≈1 MB for the Set).
   * One field for both forms (a second, null on nearly every window, was 8 bytes). Null until the first
   * patient, and again once an alert made it useless.
   */
  patients: Set<number> | Uint32Array | null;
  /** How many distinct patients (either form). */
  distinct: number;
  /**
   * The first 100 patient ids and event ids: min(distinct, 100) and min(count, 100) of them are set, the
   * arrays' lengths are their capacities (see putAt). Null until the first event, and again once an
   * alert made them useless.
   */
  patientIds: string[] | null;
  evidence: string[] | null;
  fired: boolean;
}

/** The ids of a window with none yet: shared, never written (putAt allocates the window's own). */
const NO_IDS: string[] = [];

/**
 * Stores `id` at `n` of a list whose length is its capacity, doubling it (from 2, up to 100) when full,
 * and returns the list. A JS push reserves 17 slots at the first id: 184 bytes for the one or two ids most
 * windows hold (heap snapshot of bench/detect.bench.ts: btg-abuse alone keeps a window open for one active
 * actor in eight), 64 like this.
 */
function putAt(list: string[], n: number, id: string): string[] {
  if (n < list.length) {
    list[n] = id;
    return list;
  }
  const grown = new Array<string>(Math.min(MAX_EVIDENCE_IDS, Math.max(2, n * 2))).fill('');
  for (let i = 0; i < n; i++) grown[i] = list[i] as string;
  grown[n] = id;
  return grown;
}

/**
 * One key of one rule. Its numbers that change on every event or are times (last alert, the self-match
 * tracker) are not here but in its runner's rows (RuleRunner.rows, at `num`): a 64-bit heap (Node has no
 * pointer compression) gives every field 8 bytes and every time a 16-byte box besides, and this object
 * was 264 bytes and two boxes on every active user's after-hours key (heap snapshot of
 * bench/detect.bench.ts), 128 now, with a row of 64 beside it.
 */
interface KeyState {
  /** The runner this key belongs to; null once forgotten (the actor's chain drops it lazily). */
  owner: RuleRunner | null;
  /** Next key state of the same actor (ActorState.ruleKeys), for keys that are the actor alone. */
  nextForActor: KeyState | null;
  /** The key's number in its runner: its row and its place in RuleRunner.keyList; reused once forgotten. */
  readonly num: number;
  readonly actorId: string;
  readonly actorKind: ActorKind;
  readonly patientId: string | null;
  /** Peer group (normalised role), or null when unknown. */
  readonly role: string | null;
  /**
   * Tumbling rules: the first open window, chained (usually one; more while a late event's window is still
   * open): an array around the one window was 56 bytes more. Sliding rules: the pane ring. Null when none is
   * open. One field for both: a rule has one kind.
   */
  win: WindowAgg | SlidingAgg | null;
  /**
   * Baseline rules: [n, daily peaks of this rule's windows (n numbers), daily peaks over every event passing
   * `match` (self-match)], runs of [day, value] pairs (see baseline.ts); null while both are empty.
   */
  days: number[] | null;
  /**
   * Threshold cached for one local day (history only changes when windows close): the day, or with sameHours
   * day × BANDS² + the window's two hours bands (the day is then thresholdKey / BANDS², see cachedDay).
   */
  thresholdKey: number;
  center: number | null;
  spread: number | null;
  comparedWith: ComparedWith;
}

/**
 * KeyState.thresholdKey when nothing is cached: below any day index, and a small integer, so the
 * fields stay in the key state (NaN made them pointers to boxed doubles: bytes and a miss per key).
 */
const NO_DAY = -(2 ** 30);

/**
 * A key's row in RuleRunner.rows: the time of its last alert, its threshold (cached with thresholdKey: a
 * fractional or NaN threshold once made the field a boxed double in every key, 16 bytes more each; for a
 * quota rule the quota: NaN until looked up, -Infinity when the application has none), then (self-match
 * rules) its tracker (match-tracker.ts).
 */
const LAST_FIRED = 0;
const THRESHOLD = 1;
const MATCH = 2;

/** Keys a chunk of key rows holds (RuleRunner.chunks). */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;

/** Distinct patients a window keeps in a Set before it switches to a bitmap (WindowAgg.patients). */
const SET_LIMIT = 256;

/** How long a peers-now pool stands for its window start, in event time (RuleRunner.peersNow). */
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

const MEASURE_LABEL: Record<Measure, string> = {
  events: 'events',
  'distinct-patients': 'distinct patients',
  records: 'records',
};

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

/** What an alert cites of a window. */
interface WindowView {
  start: number;
  end: number;
  evidenceCount: number;
  patientCount: number;
  patientIds: string[];
  evidenceIds: string[];
}

/**
 * One compiled rule with its window state. `offer` is called for every
 * event; it returns at the first failing predicate, which is where nearly
 * every event ends.
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
  /**
   * Live keys by number, undefined where a forgotten key's number waits in `free`. Keys that are the actor
   * alone are found through the actor record (ActorState.ruleKeys); once that record was evicted, a self-match
   * rule finds them by the actor's slot in `bySlot` (key number + 1, 0 for none; a forgotten key's entry is
   * left and checked on use), other keys by string in `keyMap`. A Map of every key by string and a Set of keys
   * per role (peer baselines) were ≈ 60 bytes an active user on a 64-bit heap; the list and the slot index
   * are 8 and 4 (heap snapshot of bench/detect.bench.ts).
   */
  private readonly keyList: (KeyState | undefined)[] = [];
  private readonly free: number[] = [];
  private bySlot: Int32Array;
  /** Actor+patient keys, and every key of a rule without self-match: those have keys for few actors, an index by every slot would cost more than they. */
  private readonly keyMap = new Map<string, KeyState>();
  private live = 0;
  /**
   * rowSize doubles per key number (LAST_FIRED, THRESHOLD, MATCH…), in chunks of CHUNK keys: a table grown by
   * half had 16% of it unused at the bench's 34,048 after-hours keys (≈ 10 bytes an active actor), a chunk
   * has less than one chunk unused, for one more load (the chunk, from a short array in cache).
   */
  private readonly chunks: Float64Array[] = [];
  private readonly rowSize: number;
  /** Keys with a window ending at each pending end; `ends` is sorted ascending. */
  private readonly closing = new Map<number, KeyState[]>();
  private readonly ends: number[] = [];
  /** Peer baselines by `${day}|${role}`: windows of two days (around midnight) alternate, so one entry per role would thrash. */
  private readonly peerCache = new Map<string, RobustThreshold | null>();
  /** Patients that passed the patient conditions, as idx and id. */
  private readonly matchedIdxs: number[] = [];
  private readonly matchedIds: string[] = [];
  private readonly scratch: number[] = [];
  private readonly size: number;
  private readonly slide: number;
  /** Baseline sources with a history, in the order they are tried; empty for other rules. */
  private readonly sources: readonly BaselineSpec[];
  /** `peers-now` sources: judged only when a window crosses the threshold of the others (peersNow). */
  private readonly nowSources: readonly BaselineSpec[];
  /** The threshold when no source has enough history: the rule's fallback, else its first source's minimum. */
  private readonly fallback: number | 'none';
  /** The window start `nowPools` holds the role's open windows for, and the event time they were read at (see peersNow). */
  private nowStart = Number.NaN;
  private nowAt = Number.NaN;
  /** By role: [key number, value, key number, value, …] of the windows open at nowStart. */
  private readonly nowPools = new Map<string, number[]>();
  /** History spans kept for the rule's windows and for `self-match`. */
  private readonly historyDays: number;
  private readonly matchHistoryDays: number;
  private readonly sameHours: boolean;
  private readonly combineMax: boolean;
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
    this.sources = baselines.filter((b) => b.of !== 'peers-now');
    this.nowSources = baselines.filter((b) => b.of === 'peers-now');
    this.fallback = rule.threshold?.fallback ?? baselines[0]?.minimum ?? 0;
    const tracks = this.sources.some((b) => b.of === 'self-match');
    // A self-match baseline watches every event that passes match, so only match can gate the rule.
    this.required = requiredBits(rule, tracks);
    const prefiltered = prefilteredMatch(rule);
    this.matchChecks = tracks ? compileMatch(rule.match, prefiltered) : [];
    this.checks = tracks ? conditions.event : [...compileMatch(rule.match, prefiltered), ...conditions.event];
    this.tracks = tracks;
    this.patientChecks = conditions.patient;
    this.size = rule.window.size;
    this.slide = rule.window.slide ?? rule.window.size;
    this.historyDays = Math.max(0, ...this.sources.filter((b) => b.of !== 'self-match').map((b) => b.historyDays));
    this.matchHistoryDays = Math.max(0, ...this.sources.filter((b) => b.of === 'self-match').map((b) => b.historyDays));
    // Peers-now reads the other keys' windows as they stand: an alerted window still counts there.
    this.keepsCounting = this.historyDays > 0 || this.nowSources.length > 0;
    this.sameHours = this.sources.some((b) => b.sameHours);
    this.combineMax = rule.threshold?.combine === 'max';
    this.rowSize = tracks ? MATCH + matchFields(rule.measure) : MATCH;
    this.chunks.push(new Float64Array(this.rowSize * CHUNK));
    // A self-match rule has a key for nearly every active actor; other rules for few of them.
    this.bySlot = new Int32Array(tracks ? 1024 : 0);
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
    return this.live;
  }

  activeWindows(): number {
    let n = 0;
    for (const k of this.keyList) {
      if (k === undefined || k.win === null) continue;
      if (k.win instanceof SlidingAgg) n++;
      else for (let w: WindowAgg | null = k.win; w !== null; w = w.next) n++;
    }
    return n;
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
    const rows = this.rowsOf(ks.num);
    const at = this.rowAt(ks.num) + MATCH;
    const previous = matchStart(rows, at);
    const finished = addMatch(rows, at, this.rule.measure, this.deps.clock.alignedStart(ctx.t, this.size), ctx.event.records, ctx.patientIdxs());
    if (finished >= 0) this.foldMatch(ks, previous, finished);
    return ks;
  }

  /**
   * Self-match history: with sameHours, one entry per (day, band of the
   * day), stored under day × BANDS + band so the day-peak fold and the
   * history span work unchanged.
   */
  private foldMatch(ks: KeyState, start: number, value: number): void {
    const clock = this.deps.clock;
    const day = clock.dayIndex(start);
    const key = this.sameHours ? day * BANDS + this.band(start) : day;
    // A literal of two allocates two slots; [] then push would allocate seventeen.
    this.fold(ks, true, key, value, this.sameHours ? this.matchHistoryDays * BANDS : this.matchHistoryDays);
    if (day < this.cachedDay(ks)) ks.thresholdKey = NO_DAY;
  }

  /** The chunk of key rows that holds key `num`'s row. */
  private rowsOf(num: number): Float64Array {
    return this.chunks[num >>> CHUNK_BITS] as Float64Array;
  }

  /** Where key `num`'s row starts in its chunk. */
  private rowAt(num: number): number {
    return (num & (CHUNK - 1)) * this.rowSize;
  }

  /**
   * Sliding rules: the newest window's value so far is a lower bound of its day's peak, recorded now (there is
   * no per-window close), unless the window holds the key's last alert (`lastFired`): those windows are the
   * incident's, not the key's usual volume.
   */
  private foldSliding(ks: KeyState, start: number, observed: number, lastFired: number): void {
    if (this.historyDays === 0) return;
    if (start <= lastFired && start + this.size > lastFired) return;
    const day = this.deps.clock.dayIndex(start);
    this.fold(ks, false, day, observed, this.historyDays);
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
    return Math.floor(this.deps.clock.minuteOfDay(t) / (this.size / 60_000));
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

  private keyState(ctx: EventContext, mapKey: string, patientId: string | null): KeyState {
    const actor = ctx.actor;
    if (patientId === null) {
      // Keys that are the actor alone hang off the actor record: a walk of one or two objects already in cache
      // instead of a Map.get on a string among tens of thousands (bench/detect.bench.ts: ≈0.4 µs an event for the
      // after-hours rule, whose self-match baseline sees every read). Forgotten keys are unlinked on the way.
      let prev: KeyState | null = null;
      let ks = actor.ruleKeys as KeyState | null;
      while (ks !== null) {
        const next: KeyState | null = ks.nextForActor;
        if (ks.owner === this) return ks;
        if (ks.owner === null) {
          if (prev === null) actor.ruleKeys = next;
          else prev.nextForActor = next;
        } else prev = ks;
        ks = next;
      }
    }
    let ks: KeyState | undefined;
    if (patientId === null && this.bySlot.length > 0) {
      const slot = actor.slot;
      const n = slot < this.bySlot.length ? (this.bySlot[slot] as number) : 0;
      const found = n === 0 ? undefined : this.keyList[n - 1];
      // The number may be another key's since (forget leaves bySlot as it is).
      if (found !== undefined && found.patientId === null && found.actorId === actor.id) ks = found;
    } else {
      ks = this.keyMap.get(mapKey);
    }
    if (ks !== undefined) {
      // Known to the rule but not to this actor record (the actor was evicted as idle and came back).
      if (patientId === null) {
        ks.nextForActor = actor.ruleKeys as KeyState | null;
        actor.ruleKeys = ks;
      }
    } else {
      ks = this.createKey(ctx, mapKey, patientId);
    }
    return ks;
  }

  private createKey(ctx: EventContext, mapKey: string, patientId: string | null): KeyState {
    const actor = ctx.actor;
    const num = this.free.length > 0 ? (this.free.pop() as number) : this.keyList.length;
    const ks: KeyState = {
      owner: this,
      nextForActor: null,
      num,
      actorId: actor.id,
      actorKind: ctx.event.actor.kind,
      patientId,
      role: actor.role ?? ctx.eventRole,
      win: null,
      days: null,
      thresholdKey: NO_DAY,
      center: null,
      spread: null,
      comparedWith: 'fixed',
    };
    if (num === this.keyList.length) this.keyList.push(ks);
    else this.keyList[num] = ks;
    this.live++;
    // Numbers are dense (forgotten ones are reused first): a new number is in the last chunk or the next one.
    if (num >>> CHUNK_BITS === this.chunks.length) this.chunks.push(new Float64Array(this.rowSize * CHUNK));
    const rows = this.rowsOf(num);
    const at = this.rowAt(num);
    rows[at + LAST_FIRED] = Number.NEGATIVE_INFINITY;
    rows[at + THRESHOLD] = this.rule.threshold?.quota === undefined ? 0 : Number.NaN;
    if (this.rowSize > MATCH) resetMatch(rows, at + MATCH, this.rule.measure);
    if (patientId === null && this.bySlot.length > 0) {
      const slot = actor.slot;
      if (slot >= this.bySlot.length) {
        const grown = new Int32Array(Math.max(slot + 1, Math.ceil(this.bySlot.length * 1.5)));
        grown.set(this.bySlot);
        this.bySlot = grown;
      }
      this.bySlot[slot] = num + 1;
    } else {
      this.keyMap.set(mapKey, ks);
    }
    if (patientId === null) {
      ks.nextForActor = actor.ruleKeys as KeyState | null;
      actor.ruleKeys = ks;
    }
    return ks;
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
    const observed = this.rule.measure === 'events' ? agg.count() : this.rule.measure === 'records' ? agg.records() : agg.distinctPatients();
    const start = agg.windowStart;
    // The threshold of `start`'s day reads only earlier days, so it is judged before this value is recorded.
    const threshold = this.thresholdFor(ks, start);
    const t = ctx.t;
    const rows = this.rowsOf(ks.num);
    const fired = this.rowAt(ks.num) + LAST_FIRED;
    if (threshold === null || (threshold >= 0 ? observed <= threshold : observed < 1)) {
      if (threshold !== null && !agg.armed && (threshold < 0 || observed * 2 >= threshold)) agg.arm(eventId);
      this.foldSliding(ks, start, observed, rows[fired] as number);
      return;
    }
    if (!agg.armed) agg.arm(eventId);
    // A window that crossed its threshold right after an alert is the same incident: it stays out of history.
    if (Math.abs(t - (rows[fired] as number)) < this.suppressMs) {
      this.counters.suppressed++;
      return;
    }
    const now = this.nowSources.length > 0 ? this.peersNow(ks, start, threshold, t) : null;
    if (now !== null && observed <= now.threshold) {
      // Workload, as the role's others at work show: history.
      this.foldSliding(ks, start, observed, rows[fired] as number);
      return;
    }
    // An alerted window never enters the key's history, nor through it the role's (peers): one incident
    // must not raise the bar for the next (a bulk read three weeks earlier hid a 99-patient night).
    rows[fired] = t;
    if (out !== null) {
      this.counters.fired++;
      const directory = ctx.directory;
      out.push(
        this.buildAlert(ctx, ks, observed, now, {
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
    const w: WindowAgg = { start, next: null, count: 0, records: 0, patients: null, distinct: 0, patientIds: null, evidence: null, fired: false };
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
    w.count++;
    w.records += ctx.event.records;
    if (w.evidence === null) {
      w.patients = new Set();
      w.patientIds = NO_IDS;
      w.evidence = NO_IDS;
    }
    for (let i = from; i < to; i++) {
      const idx = idxs[i] as number;
      const known = w.patients;
      if (known instanceof Uint32Array) {
        const bitmap = known;
        const word = idx >>> 5;
        const bit = 1 << (idx & 31);
        if (word < bitmap.length && ((bitmap[word] as number) & bit) !== 0) continue;
        const into = word < bitmap.length ? bitmap : this.growBitmap(w, word);
        into[word] = (into[word] as number) | bit;
      } else {
        const set = known as Set<number>;
        if (set.has(idx)) continue;
        set.add(idx);
        if (set.size > SET_LIMIT) this.toBitmap(w, set);
      }
      if (w.distinct < MAX_EVIDENCE_IDS) w.patientIds = putAt(w.patientIds as string[], w.distinct, patientIds[i] as string);
      w.distinct++;
    }
    // count was incremented above: this event's id goes at count − 1.
    if (w.count <= MAX_EVIDENCE_IDS) w.evidence = putAt(w.evidence as string[], w.count - 1, ctx.event.eventId);
    if (w.fired) {
      this.counters.suppressed++;
      return;
    }
    const threshold = this.thresholdFor(ks, w.start);
    if (threshold === null) return;
    const observed = this.observe(w);
    if (threshold >= 0 ? observed <= threshold : observed < 1) return;
    const t = ctx.t;
    const rows = this.rowsOf(ks.num);
    const fired = this.rowAt(ks.num) + LAST_FIRED;
    if (this.suppressMs > 0 && Math.abs(t - (rows[fired] as number)) < this.suppressMs) {
      this.counters.suppressed++;
      return;
    }
    const now = this.nowSources.length > 0 ? this.peersNow(ks, w.start, threshold, t) : null;
    if (now !== null && observed <= now.threshold) return;
    w.fired = true;
    rows[fired] = t;
    if (out !== null) {
      this.counters.fired++;
      out.push(
        this.buildAlert(ctx, ks, observed, now, {
          start: w.start,
          end: w.start + this.size,
          evidenceCount: w.count,
          patientCount: w.distinct,
          patientIds: (w.patientIds ?? NO_IDS).slice(0, Math.min(w.distinct, MAX_EVIDENCE_IDS)),
          evidenceIds: (w.evidence ?? NO_IDS).slice(0, Math.min(w.count, MAX_EVIDENCE_IDS)),
        }),
      );
    }
    if (!this.keepsCounting) {
      w.patients = null;
      w.distinct = 0;
      w.patientIds = null;
      w.evidence = null;
    }
  }

  private toBitmap(w: WindowAgg, set: Set<number>): void {
    let max = 0;
    for (const idx of set) if (idx > max) max = idx;
    const bitmap = new Uint32Array((max >>> 5) + 1 + 64);
    for (const idx of set) bitmap[idx >>> 5] = (bitmap[idx >>> 5] as number) | (1 << (idx & 31));
    w.patients = bitmap;
  }

  /** The window's bitmap grown to hold `word` (by half again, so growth is amortised). */
  private growBitmap(w: WindowAgg, word: number): Uint32Array {
    const old = w.patients as Uint32Array;
    const grown = new Uint32Array(Math.max(word + 1, old.length + (old.length >>> 1)));
    grown.set(old);
    w.patients = grown;
    return grown;
  }

  private observe(w: WindowAgg): number {
    switch (this.rule.measure) {
      case 'events':
        return w.count;
      case 'records':
        return w.records;
      case 'distinct-patients':
        return w.distinct;
    }
  }

  /**
   * The number the window must exceed: -1 for a condition rule (fires on
   * any match), null when the rule does not apply to this key (an application
   * without a quota). Sets the key's comparedWith / center / spread.
   */
  private thresholdFor(ks: KeyState, windowStart: number): number | null {
    const spec = this.rule.threshold;
    if (spec === undefined) {
      ks.comparedWith = 'condition';
      return -1;
    }
    if (spec.above !== undefined) {
      ks.comparedWith = 'fixed';
      this.rowsOf(ks.num)[this.rowAt(ks.num) + THRESHOLD] = spec.above;
      return spec.above;
    }
    if (spec.quota !== undefined) {
      const rows = this.rowsOf(ks.num);
      const at = this.rowAt(ks.num) + THRESHOLD;
      let quota = rows[at] as number;
      if (Number.isNaN(quota)) rows[at] = quota = this.deps.vendorQuota(ks.actorId) ?? Number.NEGATIVE_INFINITY;
      ks.comparedWith = 'quota';
      return quota === Number.NEGATIVE_INFINITY ? null : quota;
    }
    const day = this.deps.clock.dayIndex(windowStart);
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
      this.rowsOf(ks.num)[this.rowAt(ks.num) + THRESHOLD] = best !== null ? best.threshold : fallback === 'none' ? Number.NaN : fallback;
      ks.center = best === null ? null : best.center;
      ks.spread = best === null ? null : best.spread;
    }
    const threshold = this.rowsOf(ks.num)[this.rowAt(ks.num) + THRESHOLD] as number;
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
  private peersNow(ks: KeyState, start: number, threshold: number, t: number): RobustThreshold | null {
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
      const list = this.keyList;
      for (let i = 0; i < list.length; i++) {
        const member = list[i];
        if (member === undefined || member.role !== role || member.win === null) continue;
        let value = -1;
        if (member.win instanceof SlidingAgg) {
          const ring = member.win;
          if (ring.head >= recent) value = this.rule.measure === 'events' ? ring.count() : this.rule.measure === 'records' ? ring.records() : ring.distinctPatients();
        } else {
          for (let w: WindowAgg | null = member.win; w !== null; w = w.next) if (w.start === start) value = this.observe(w);
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
    const list = this.keyList;
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
      if (this.forgettable(ks, watermark)) this.forget(ks);
      return;
    }
    if (win instanceof SlidingAgg) {
      const end = win.head + this.size;
      if (end > watermark) {
        this.scheduleClose(end, ks);
        return;
      }
      ks.win = null;
      if (this.forgettable(ks, watermark)) this.forget(ks);
      return;
    }
    // Keeps the windows still open, in order.
    let first: WindowAgg | null = null;
    let last: WindowAgg | null = null;
    for (let one: WindowAgg | null = win; one !== null; ) {
      const next: WindowAgg | null = one.next;
      if (one.start + this.size <= watermark) {
        // An alerted window stays out of the key's (and the role's) history.
        if (this.historyDays > 0 && !one.fired) {
          const day = this.deps.clock.dayIndex(one.start);
          this.fold(ks, false, day, this.observe(one), this.historyDays);
          ks.thresholdKey = NO_DAY;
        }
      } else {
        one.next = null;
        if (last === null) first = one;
        else last.next = one;
        last = one;
      }
      one = next;
    }
    ks.win = first;
    if (first === null && this.forgettable(ks, watermark)) this.forget(ks);
  }

  private forgettable(ks: KeyState, watermark: number): boolean {
    if (ks.win !== null) return false;
    if (ks.days !== null && ks.days.length > 1) return false;
    const rows = this.rowsOf(ks.num);
    const at = this.rowAt(ks.num);
    if (this.rowSize > MATCH) {
      const start = matchStart(rows, at + MATCH);
      if (start !== Number.NEGATIVE_INFINITY && start + this.size > watermark) return false;
    }
    return this.suppressMs === 0 || (rows[at + LAST_FIRED] as number) + this.suppressMs <= watermark;
  }

  private forget(ks: KeyState): void {
    // A key can be forgotten twice (closed again from a pending window end): its number may be another key's by then.
    if (ks.owner === null) return;
    ks.owner = null;
    this.keyList[ks.num] = undefined;
    this.free.push(ks.num);
    this.live--;
    if (ks.patientId !== null || this.bySlot.length === 0) {
      const mapKey = ks.patientId === null ? ks.actorId : `${ks.actorId}\u0000${ks.patientId}`;
      if (this.keyMap.get(mapKey) === ks) this.keyMap.delete(mapKey);
    }
  }

  /** Daily housekeeping: closes idle trackers, drops keys whose history has aged out and expired suppressions. */
  sweep(watermark: number): void {
    const today = this.deps.clock.dayIndex(watermark);
    const list = this.keyList;
    for (let i = 0; i < list.length; i++) {
      const ks = list[i];
      if (ks === undefined) continue;
      if (this.rowSize > MATCH) {
        const rows = this.rowsOf(ks.num);
        const at = this.rowAt(ks.num) + MATCH;
        const start = matchStart(rows, at);
        if (start !== Number.NEGATIVE_INFINITY && start + this.size <= watermark) {
          this.foldMatch(ks, start, matchValue(rows, at, this.rule.measure));
          resetMatch(rows, at, this.rule.measure);
        }
      }
      if (ks.win !== null) continue;
      const days = ks.days;
      if (days !== null) {
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
      if (this.forgettable(ks, watermark)) this.forget(ks);
    }
    for (const k of this.peerCache.keys()) {
      const day = Number(k.split('|')[1]);
      if (day < today - 1) this.peerCache.delete(k);
    }
  }

  /** `now`: the peers-now threshold when it is the one crossed (above the key's own), else null. */
  private buildAlert(ctx: EventContext, ks: KeyState, observed: number, now: RobustThreshold | null, w: WindowView): Alert {
    const rule = this.rule;
    const keyText =
      rule.key === 'actor+patient'
        ? `actor=${ks.actorId},patient=${ks.patientId ?? ''}`
        : rule.key === 'application'
          ? `application=${ks.actorId}`
          : `actor=${ks.actorId}`;
    const windowStart = formatIso(w.start);
    const windowEnd = formatIso(w.end);
    const firedAt = formatIso(ctx.t);
    const patientIds = w.patientIds;
    const patientCount = w.patientCount;
    const evidenceEventIds = w.evidenceIds;
    const comparedWith: ComparedWith = now !== null ? 'baseline-peers' : ks.comparedWith;
    const threshold = now !== null ? now.threshold : ks.comparedWith === 'condition' ? null : (this.rowsOf(ks.num)[this.rowAt(ks.num) + THRESHOLD] as number);
    const baseline = now !== null ? now.center : ks.comparedWith === 'baseline-self' || ks.comparedWith === 'baseline-peers' ? ks.center : null;
    const spread = now !== null ? now.spread : ks.spread;
    const shown = patientIds.slice(0, 5).join(', ') + (patientCount > 5 ? ` and ${patientCount - 5} more` : '');
    const rendered = rule.template.render({
      rule: rule.id,
      title: rule.title,
      severity: rule.severity,
      actor: ks.actorId,
      actorKind: ks.actorKind,
      role: ctx.actor.role ?? ctx.eventRole ?? 'unknown role',
      department: ctx.actor.department ?? ctx.eventDepartment ?? 'unknown department',
      key: keyText,
      patient: patientIds[0] ?? 'unknown patient',
      patients: shown,
      patientCount: String(patientCount),
      measure: MEASURE_LABEL[rule.measure],
      observed: formatNumber(observed),
      threshold: formatNumber(threshold),
      baseline: formatNumber(baseline),
      spread: formatNumber(spread),
      comparedWith,
      // A quota rule fires only for an application with a quota, its threshold.
      quota: formatNumber(rule.threshold?.quota !== undefined ? threshold : null),
      window: formatDuration(this.size),
      // The alert's fields stay ISO UTC for machines; its words are on the hospital's clock.
      windowStart: this.deps.clock.readable(w.start),
      windowEnd: this.deps.clock.readable(w.end),
      firedAt: this.deps.clock.readable(ctx.t),
      evidenceCount: String(w.evidenceCount),
    });
    // A baseline rule judged by its floor had no history to judge by: the analyst is told (a first night, a new account).
    const explanation =
      this.sources.length > 0 && comparedWith === 'fixed' ? `${rendered} Cold start: no history yet for this key or its role, so the rule's floor of ${formatNumber(threshold)} applied.` : rendered;
    return {
      alertId: alertIdOf(rule.id, keyText, windowStart),
      ruleId: rule.id,
      ruleVersion: rule.version,
      detector: 'rule',
      severity: rule.severity,
      title: rule.title,
      key: keyText,
      actorId: ks.actorId,
      actorKind: ks.actorKind,
      patientIds,
      patientCount,
      windowStart,
      windowEnd,
      measure: MEASURE_LABEL[rule.measure],
      observed,
      threshold,
      comparedWith,
      baseline,
      evidenceEventIds,
      evidenceCount: w.evidenceCount,
      explanation,
      score: null,
      modelVersion: null,
      features: [],
      firedAt,
    };
  }
}
