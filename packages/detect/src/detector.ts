import type { AccessEvent } from '@chartwatch/event';
import { ConfigError } from '@chartwatch/errors';
import type { Alert } from './alert.ts';
import { CareRelationships, DEFAULT_CARE_OPTIONS } from '@chartwatch/facts';
import type { CareOptions } from '@chartwatch/facts';
import { ruleNeeds } from './rule-needs.ts';
import { ActorDirectory, PatientDirectory, SUMMARY } from '@chartwatch/facts';
import type { ActorState, PatientFacts } from '@chartwatch/facts';
import { EventContext } from './event-context.ts';
import { parseIsoMillis } from '@chartwatch/event';
import { LabelCache } from '@chartwatch/facts';
import type { LoadedRule } from './load-rules.ts';
import { LocalClock } from '@chartwatch/facts';
import type { ReferenceLookup } from '@chartwatch/facts';
import { BIT } from './prefilter.ts';
import { RuleRunner } from './rule-runner.ts';

export interface DetectorOptions {
  rules: readonly LoadedRule[];
  reference: ReferenceLookup;
  /** IANA zone for business hours and day boundaries (windows of a day or more start at local midnight). Default UTC. */
  timezone?: string;
  /** How far behind the latest event time an event may arrive and still count. Default 5 minutes. */
  allowedLatenessMs?: number;
  /** Care-relationship spans; see care-relationship.ts. */
  care?: Partial<CareOptions>;
}

/** An event that arrived behind the watermark: not counted in any window, handed back for logging. */
export interface LateEvent {
  event: AccessEvent;
  watermark: string;
  lateByMs: number;
}

export interface DetectorStats {
  /** Events offered to process() (including late and invalid ones). */
  events: number;
  /** Events whose time could not be read (the parser should have refused them). */
  invalidTime: number;
  /** Events behind the maximum event time but within the allowed lateness: counted in their windows. */
  lateAccepted: number;
  /** Events behind the watermark: reported through takeLate(), not counted. */
  tooLate: number;
  /** The second record of one request (BALP's client and server records, flag `paired`, same event id): not counted again. */
  pairedRepeats: number;
  alerts: number;
  alertsByRule: Record<string, number>;
  /** Matches that did not alert because the key already alerted in that window (or suppression span). */
  suppressedByRule: Record<string, number>;
  activeKeys: number;
  activeWindows: number;
  actors: number;
  patients: number;
  maxEventTime: string | null;
  watermark: string | null;
}

export interface Detector {
  /** Feeds one event; returns the alerts it caused (a shared empty array when none: do not mutate). */
  process(event: AccessEvent): readonly Alert[];
  /** Declares that event time has reached timeMs (an idle stream): closes windows the watermark passed. */
  advanceTo(timeMs: number): readonly Alert[];
  /** End of input: closes every window, and moves the watermark to the newest event time seen. */
  flush(): readonly Alert[];
  /** Rebuilds state from stored history: processes events without emitting alerts (windows that would have alerted are marked as alerted). */
  warmUp(events: Iterable<AccessEvent>): void;
  /** Too-late events since the last call. */
  takeLate(): LateEvent[];
  /** Swaps reference data (reloaded CSVs) without losing window state or care memory. */
  setReference(reference: ReferenceLookup): void;
  stats(): DetectorStats;
  /** Invariants the hot path relies on without checking them, as the list of those broken (empty when all hold): for tests. */
  brokenInvariants(): string[];
}

const NO_ALERTS: readonly Alert[] = Object.freeze([]) as readonly Alert[];
const PAIRED_MEMORY = 65_536;
const WRITE_ACTIONS = new Set(['create', 'update']);

export function createDetector(options: DetectorOptions): Detector {
  const lateness = options.allowedLatenessMs ?? 5 * 60_000;
  if (!Number.isFinite(lateness) || lateness < 0) throw new ConfigError('allowedLatenessMs', `value ${lateness} must be a non-negative number of milliseconds`);
  const care = { ...DEFAULT_CARE_OPTIONS, ...options.care };
  for (const [k, v] of Object.entries(care)) {
    if (Array.isArray(v)) {
      if (!v.every((x) => typeof x === 'string')) throw new ConfigError(`care.${k}`, 'must be a list of role names');
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ConfigError(`care.${k}`, `value ${String(v)} must be a non-negative number`);
    }
  }
  return new DetectorImpl(options, lateness, care);
}

class DetectorImpl implements Detector {
  private reference: ReferenceLookup;
  private readonly clock: LocalClock;
  private readonly patients: PatientDirectory;
  private readonly actors: ActorDirectory;
  private readonly care: CareRelationships;
  private readonly runners: RuleRunner[];
  private readonly ctx: EventContext;
  private readonly labels = new LabelCache();
  private maxEventMs = Number.NEGATIVE_INFINITY;
  private watermarkMs = Number.NEGATIVE_INFINITY;
  private nextCloseAt = Number.POSITIVE_INFINITY;
  private sweepDay = Number.NaN;
  private late: LateEvent[] = [];
  private pending: Alert[] = [];
  private quiet = false;
  /** Whether any rule an event of this kind can reach asks a patient fact bit (eventBits): without one, facts are not resolved. */
  private readonly patientBitsForUser: boolean;
  private readonly patientBitsForApplication: boolean;
  /** Some rule's condition reads the care relationship (its declared needs, rule-needs.ts): otherwise no care memory is kept. */
  private readonly recordsCare: boolean;
  private readonly counts = { events: 0, invalidTime: 0, lateAccepted: 0, tooLate: 0, pairedRepeats: 0, alerts: 0 };
  /** Ids of recent `paired` events, oldest first out: the client's and the server's record of one access count once. */
  private readonly pairedIds = new Set<string>();
  private readonly pairedRing: (string | undefined)[] = new Array<string | undefined>(PAIRED_MEMORY);
  private pairedNext = 0;

  constructor(
    options: DetectorOptions,
    private readonly lateness: number,
    careOptions: CareOptions,
  ) {
    this.reference = options.reference;
    this.clock = new LocalClock(options.timezone ?? 'UTC');
    this.patients = new PatientDirectory(options.reference);
    this.actors = new ActorDirectory(options.reference);
    this.care = new CareRelationships(careOptions, this.patients, this.actors);
    this.ctx = new EventContext(this.clock, this.patients, this.care, this.actors);
    const deps = {
      clock: this.clock,
      vendorQuota: (clientId: string) => this.reference.vendor(clientId)?.dailyQuota ?? null,
      scheduled: (end: number) => {
        if (end < this.nextCloseAt) this.nextCloseAt = end;
      },
    };
    this.runners = options.rules.map((r) => new RuleRunner(r, deps));
    const patientBits = BIT.vip | BIT.deceased | BIT.coworker | BIT.ownChart | BIT.household | BIT.address;
    const asks = (other: number) => this.runners.some((r) => (r.required & other) === 0 && (r.required & patientBits) !== 0);
    this.patientBitsForUser = asks(BIT.application);
    this.patientBitsForApplication = asks(BIT.user);
    this.recordsCare = options.rules.some((r) => ruleNeeds(r).care);
  }

  process(event: AccessEvent): readonly Alert[] {
    this.counts.events++;
    if (event.flags !== undefined && event.flags.includes('paired') && this.seenPair(event.eventId)) {
      this.counts.pairedRepeats++;
      return NO_ALERTS;
    }
    const t = parseIsoMillis(event.time);
    if (t !== t) {
      this.counts.invalidTime++;
      return NO_ALERTS;
    }
    const actor = this.actors.get(event.actor.id);
    if (t < this.watermarkMs) {
      this.counts.tooLate++;
      this.late.push({ event, watermark: new Date(this.watermarkMs).toISOString(), lateByMs: this.watermarkMs - t });
      // Care memory is not windowed: a late write still shows the actor treated the patient.
      this.rememberCare(event, t, actor);
      return NO_ALERTS;
    }
    if (t > this.maxEventMs) {
      this.maxEventMs = t;
      this.moveWatermark(t - this.lateness);
    } else if (t < this.maxEventMs) {
      this.counts.lateAccepted++;
    }
    this.actors.touch(actor, t);
    const ctx = this.ctx;
    const department = this.labels.get(event.actor.department);
    ctx.reset(event, t, actor, this.labels.get(event.actor.role), department);
    const bits = this.eventBits(ctx);
    const out = this.quiet ? null : this.pending;
    const runners = this.runners;
    for (let i = 0; i < runners.length; i++) {
      const r = runners[i] as RuleRunner;
      if ((r.required & bits) === r.required) r.offer(ctx, out);
    }
    if (this.recordsCare && (bits & (BIT.user | BIT.success)) === (BIT.user | BIT.success)) {
      const wrote = WRITE_ACTIONS.has(event.action);
      const patients = ctx.patientIdxs();
      for (let i = 0; i < patients.length; i++) this.care.recordAt(department, actor, patients[i] as number, t, wrote);
    }
    return this.takePending();
  }

  /** The prefilter's facts about this event (see prefilter.ts). */
  private eventBits(ctx: EventContext): number {
    const e = ctx.event;
    const actor = ctx.actor;
    const t = ctx.t;
    const user = e.actor.kind === 'user';
    let bits = user ? BIT.user : e.actor.kind === 'application' ? BIT.application : 0;
    if (e.outcome === 'success') bits |= BIT.success;
    if (e.breakTheGlass) bits |= BIT.breakTheGlass;
    if (e.sensitivity.length > 0) bits |= BIT.sensitive;
    if (actor.terminated && t > (actor.terminatedMs as number)) bits |= BIT.terminated;
    if (!(user ? this.patientBitsForUser : this.patientBitsForApplication)) {
      // Still numbered here, in event order: idx feeds the self-match estimate's hash (match-tracker.ts), so
      // numbering patients in another order would change alerts.
      ctx.patientIdxs();
      return bits;
    }
    if (e.patientIds.length === 1) {
      // The patient's summary (directory.ts SUMMARY), from the row the care check reads next: the facts
      // record only for the few patients that may set a bit the summary cannot decide.
      const s = this.patients.summary(ctx.singlePatientIdx());
      if ((s & SUMMARY.vip) !== 0) bits |= BIT.vip;
      const address = Math.floor(s / SUMMARY.addressUnit);
      if ((s & (SUMMARY.deceased | SUMMARY.employee)) === 0 && (address === 0 || address !== actor.address)) return bits;
    }
    const patients = ctx.patientFacts();
    for (let i = 0; i < patients.length; i++) {
      const p = patients[i] as PatientFacts;
      if (p.vip) bits |= BIT.vip;
      if (p.deceased && t >= p.deceasedMs) bits |= BIT.deceased;
      const employee = p.employeeActorId;
      if (employee !== null) bits |= employee === actor.id ? BIT.ownChart : BIT.coworker;
      if (p.address !== 0 && p.address === actor.address) {
        bits |= BIT.address;
        if (p.household !== 0 && p.household === actor.household) bits |= BIT.household;
      }
    }
    return bits;
  }

  private rememberCare(event: AccessEvent, t: number, actor: ActorState): void {
    if (!this.recordsCare || event.outcome !== 'success' || event.actor.kind !== 'user') return;
    const wrote = WRITE_ACTIONS.has(event.action);
    const dept = this.labels.get(event.actor.department);
    const ids = event.patientIds;
    for (let i = 0; i < ids.length; i++) this.care.recordAt(dept, actor, this.patients.idxOf(ids[i] as string), t, wrote);
  }

  private takePending(): readonly Alert[] {
    if (this.pending.length === 0) return NO_ALERTS;
    const out = this.pending;
    this.pending = [];
    this.counts.alerts += out.length;
    return out;
  }

  private moveWatermark(to: number): void {
    if (to <= this.watermarkMs) return;
    this.watermarkMs = to;
    if (to >= this.nextCloseAt) {
      let next = Number.POSITIVE_INFINITY;
      for (const r of this.runners) {
        r.closeUntil(to);
        const e = r.nextEnd();
        if (e < next) next = e;
      }
      this.nextCloseAt = next;
    }
    const day = Number.isFinite(to) ? this.clock.dayIndex(to) : Number.POSITIVE_INFINITY;
    if (day !== this.sweepDay) {
      const first = Number.isNaN(this.sweepDay);
      this.sweepDay = day;
      if (!first && Number.isFinite(to)) this.sweep(to);
    }
  }

  /** Once per local day: expire care memory and idle actors, age out baselines. */
  private sweep(watermark: number): void {
    for (const r of this.runners) r.sweep(watermark);
    for (const a of this.actors.values()) this.care.expire(a, watermark);
    this.actors.evictIdle(watermark - this.care.options.memoryMs);
  }

  advanceTo(timeMs: number): readonly Alert[] {
    if (timeMs > this.maxEventMs) this.maxEventMs = timeMs;
    this.moveWatermark(timeMs - this.lateness);
    this.refreshNextClose();
    return this.takePending();
  }

  flush(): readonly Alert[] {
    // Everything seen so far is final: later events older than the newest one are too late.
    if (Number.isFinite(this.maxEventMs)) this.moveWatermark(this.maxEventMs);
    for (const r of this.runners) r.closeUntil(Number.POSITIVE_INFINITY);
    this.refreshNextClose();
    return this.takePending();
  }

  private refreshNextClose(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const r of this.runners) next = Math.min(next, r.nextEnd());
    this.nextCloseAt = next;
  }

  warmUp(events: Iterable<AccessEvent>): void {
    this.quiet = true;
    try {
      for (const e of events) this.process(e);
    } finally {
      this.quiet = false;
    }
  }

  /**
   * True when this request's other record was already seen. Only `paired` events are remembered (the
   * others pay nothing), the last PAIRED_MEMORY of them: both records of a request arrive minutes apart
   * at most.
   */
  private seenPair(eventId: string): boolean {
    if (this.pairedIds.has(eventId)) return true;
    // A ring, so forgetting the oldest costs nothing however many paired events stream through.
    const oldest = this.pairedRing[this.pairedNext];
    if (oldest !== undefined) this.pairedIds.delete(oldest);
    this.pairedRing[this.pairedNext] = eventId;
    this.pairedNext = (this.pairedNext + 1) % PAIRED_MEMORY;
    this.pairedIds.add(eventId);
    return false;
  }

  takeLate(): LateEvent[] {
    const out = this.late;
    this.late = [];
    return out;
  }

  setReference(reference: ReferenceLookup): void {
    this.reference = reference;
    this.patients.setReference(reference);
    this.actors.setReference(reference);
  }

  brokenInvariants(): string[] {
    return this.runners.flatMap((r) => r.brokenInvariants().map((b) => `${r.id}: ${b}`));
  }

  stats(): DetectorStats {
    const alertsByRule: Record<string, number> = {};
    const suppressedByRule: Record<string, number> = {};
    let activeKeys = 0;
    let activeWindows = 0;
    for (const r of this.runners) {
      alertsByRule[r.id] = r.counters.fired;
      suppressedByRule[r.id] = r.counters.suppressed;
      activeKeys += r.activeKeys;
      activeWindows += r.activeWindows();
    }
    const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    return {
      ...this.counts,
      alertsByRule,
      suppressedByRule,
      activeKeys,
      activeWindows,
      actors: this.actors.size,
      patients: this.patients.size,
      maxEventTime: iso(this.maxEventMs),
      watermark: iso(this.watermarkMs),
    };
  }
}
