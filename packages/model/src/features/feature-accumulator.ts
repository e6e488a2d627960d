import { ChartwatchError } from '@chartwatch/errors';
import type { AccessEvent } from '@chartwatch/event';
import type { AccessFacts } from './access-facts.ts';
import type { CrossDayValues } from './actor-window.ts';
import { ActorWindow } from './actor-window.ts';
import type { FeatureRow } from './feature-row.ts';
import {
  EVIDENCE_AFTER_HOURS,
  EVIDENCE_CLINICAL,
  EVIDENCE_EXPORT,
  EVIDENCE_NEW_PATIENT,
  EVIDENCE_NO_CARE,
  EVIDENCE_OTHER_DEPARTMENT,
  EVIDENCE_PRINT,
  EVIDENCE_SENSITIVE,
} from './feature-row.ts';
import { RESOURCE_ADMINISTRATIVE, RESOURCE_CLINICAL, resourceKind } from './resource-kinds.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const WINDOWS = ['hour', 'day'] as const;
export type WindowKind = (typeof WINDOWS)[number];

export function windowMs(kind: WindowKind): number {
  return kind === 'hour' ? HOUR_MS : DAY_MS;
}

export interface FeatureOptions {
  /** An hour or a (local) day. Default day. */
  window: WindowKind;
  /** "New patient" = not touched by the actor within this many days before the window. Default 2. */
  noveltyDays: number;
  /** How far behind the newest event an event may arrive and still count (as the detector). Default 5 minutes. */
  allowedLatenessMs: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { window: 'day', noveltyDays: 2, allowedLatenessMs: 5 * 60_000 };

/**
 * The cross-day features' span: a window and the actor's windows that
 * started less than this before it. For day windows that is the day and the
 * six local days before it; the two hours' slack keeps a 23- or 25-hour day
 * at a DST change from letting in an eighth day or dropping the first.
 */
export const CROSS_DAY_SPAN_MS = 7 * DAY_MS - 2 * HOUR_MS;

/** What a closed window leaves for the cross-day features of the actor's later windows. */
interface WindowTrace {
  readonly start: number;
  readonly noCare: readonly string[];
  readonly exports: number;
  readonly departments: readonly string[];
}

/** Patients remembered per actor for "new patient" (an application may touch tens of thousands a day). */
const MAX_REMEMBERED_PATIENTS = 100_000;

export interface AccumulatorStats {
  events: number;
  /** Events behind the watermark whose window had already closed: not counted. */
  late: number;
  openWindows: number;
  rows: number;
}

export interface FeatureAccumulatorOptions extends Partial<FeatureOptions> {
  facts: AccessFacts;
  /**
   * Where the events fed start (UTC ms): rows whose look-back reaches before
   * it are marked incomplete. Default: the first event's time.
   */
  historyFromMs?: number;
}

/**
 * Behavioural features per actor per window, computed incrementally from
 * AccessEvents. The one definition: the live scorer feeds it the stream, the
 * trainer feeds it events read back from ClickHouse (or a file), and both get
 * the same rows for the same events in the same order.
 *
 * A window closes, and its row is returned, once the watermark (newest event
 * time less the allowed lateness) passes its end. Rows come out ordered by
 * window start, then actor id.
 */
export class FeatureAccumulator {
  readonly options: FeatureOptions;
  private readonly facts: AccessFacts;
  private readonly sizeMs: number;
  private readonly noveltyMs: number;
  private historyFromMs: number;
  private readonly open = new Map<string, ActorWindow>();
  /** Per actor: patient id → last time touched, in roughly increasing time order (see remember()). */
  private readonly seen = new Map<string, Map<string, number>>();
  /** Per actor: the traces of its closed windows within CROSS_DAY_SPAN_MS, oldest first. */
  private readonly traces = new Map<string, WindowTrace[]>();
  private maxEventMs = Number.NEGATIVE_INFINITY;
  private nextCloseAt = Number.POSITIVE_INFINITY;
  private readonly care: boolean[] = [];
  private readonly counts = { events: 0, late: 0, rows: 0 };

  constructor(options: FeatureAccumulatorOptions) {
    this.options = checkFeatureOptions({ ...DEFAULT_FEATURE_OPTIONS, ...stripUndefined(options) });
    this.facts = options.facts;
    this.sizeMs = windowMs(this.options.window);
    this.noveltyMs = this.options.noveltyDays * DAY_MS;
    this.historyFromMs = options.historyFromMs ?? Number.NaN;
  }

  get watermarkMs(): number {
    return this.maxEventMs - this.options.allowedLatenessMs;
  }

  /** Feeds one event; returns the rows of windows the watermark has now passed. */
  add(event: AccessEvent): FeatureRow[] {
    const t = Date.parse(event.time);
    if (t !== t) return [];
    this.counts.events++;
    // A stream that starts mid-window is taken to cover that window from its start: otherwise a
    // first event at 00:00:08 would leave the whole look-back one day short.
    if (this.historyFromMs !== this.historyFromMs) this.historyFromMs = this.facts.windowStart(t, this.sizeMs);
    const start = this.facts.windowStart(t, this.sizeMs);
    const key = `${event.actor.id}\u0000${start}`;
    let w = this.open.get(key);
    if (w === undefined && this.windowEnd(start) <= this.watermarkMs) {
      // Its window has closed: care memory still learns from it, as the detector's does.
      this.counts.late++;
      if (event.actor.kind === 'user') this.facts.judgeCare(event, t, this.care);
      return [];
    }
    if (w === undefined) {
      const end = this.windowEnd(start);
      const dayStart = this.sizeMs === DAY_MS ? start : this.facts.windowStart(start, DAY_MS);
      w = new ActorWindow(event.actor.id, event.actor.kind, this.facts.peerGroup(event), this.facts.department(event), start, end, dayStart);
      this.open.set(key, w);
      if (end < this.nextCloseAt) this.nextCloseAt = end;
    }
    this.count(w, event, t);
    if (t > this.maxEventMs) {
      this.maxEventMs = t;
      if (this.watermarkMs >= this.nextCloseAt) return this.closeUntil(this.watermarkMs);
    }
    return [];
  }

  /** A local day is 23 to 25 hours long around a DST change: its end is the next local midnight. */
  private windowEnd(start: number): number {
    return this.sizeMs === DAY_MS ? this.facts.windowStart(start + DAY_MS + HOUR_MS, DAY_MS) : start + this.sizeMs;
  }

  private count(w: ActorWindow, event: AccessEvent, t: number): void {
    const facts = this.facts;
    let mask = 0;
    w.events++;
    if (facts.afterHours(t)) {
      w.afterHours++;
      mask |= EVIDENCE_AFTER_HOURS;
    }
    if (event.sensitivity.length > 0) {
      w.sensitive++;
      mask |= EVIDENCE_SENSITIVE;
    }
    const kind = resourceKind(event.resourceTypes);
    if (kind === RESOURCE_CLINICAL) {
      w.clinical++;
      mask |= EVIDENCE_CLINICAL;
    } else if (kind === RESOURCE_ADMINISTRATIVE) {
      w.administrative++;
    }
    if (event.action === 'export') {
      w.exports++;
      mask |= EVIDENCE_EXPORT;
    } else if (event.action === 'print') {
      w.prints++;
      mask |= EVIDENCE_PRINT;
    }
    w.records += event.records;

    const isUser = event.actor.kind === 'user';
    const care = this.care;
    // Applications have no care relationship to judge: the detector neither asks nor remembers one for them.
    if (isUser) facts.judgeCare(event, t, care);
    const memory = this.memoryOf(event.actor.id);
    const newSince = w.start - this.noveltyMs;
    const ids = event.patientIds;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const hadCare = !isUser || care[i] === true;
      const department = facts.patientDepartment(id, t, w.department);
      w.touch(id, hadCare, () => !((memory.get(id) ?? Number.NEGATIVE_INFINITY) >= newSince), department);
      if (!hadCare) mask |= EVIDENCE_NO_CARE;
      if (w.isNewPatient(id)) mask |= EVIDENCE_NEW_PATIENT;
      if (department !== null && w.department !== null && department !== w.department) mask |= EVIDENCE_OTHER_DEPARTMENT;
      remember(memory, id, t);
    }
    w.keepEvidence(event.eventId, mask);
  }

  private memoryOf(actorId: string): Map<string, number> {
    let m = this.seen.get(actorId);
    if (m === undefined) {
      m = new Map();
      this.seen.set(actorId, m);
    }
    return m;
  }

  /** Closes every window ending at or before `ms` (an idle stream's clock, or the end of a batch). */
  closeUntil(ms: number): FeatureRow[] {
    if (ms < this.nextCloseAt) return [];
    const closed: ActorWindow[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [key, w] of this.open) {
      if (w.end <= ms) {
        closed.push(w);
        this.open.delete(key);
      } else if (w.end < next) {
        next = w.end;
      }
    }
    this.nextCloseAt = next;
    closed.sort((a, b) => a.start - b.start || (a.actorId < b.actorId ? -1 : a.actorId > b.actorId ? 1 : 0));
    const rows: FeatureRow[] = [];
    for (const w of closed) {
      rows.push(w.toRow(w.start - this.noveltyMs >= this.historyFromMs, this.crossDay(w)));
      this.forget(w.actorId, w.end - this.noveltyMs);
    }
    this.counts.rows += rows.length;
    return rows;
  }

  /**
   * The window's cross-day features from the actor's earlier windows in the
   * span, then keeps its trace. Windows close in start order per actor
   * (closeUntil sorts them, and a later window never ends first), so the
   * stream and a replay see the same earlier windows.
   */
  private crossDay(w: ActorWindow): CrossDayValues {
    const from = w.start - CROSS_DAY_SPAN_MS;
    let list = this.traces.get(w.actorId);
    if (list === undefined) {
      list = [];
      this.traces.set(w.actorId, list);
    }
    let drop = 0;
    while (drop < list.length && (list[drop] as WindowTrace).start < from) drop++;
    if (drop > 0) list.splice(0, drop);
    const noCare = w.noCarePatientIds();
    const earlierNoCare = new Set<string>();
    const earlierDepartments = new Set<string>();
    let exports = w.exports;
    for (const t of list) {
      for (const id of t.noCare) earlierNoCare.add(id);
      for (const d of t.departments) earlierDepartments.add(d);
      exports += t.exports;
    }
    let repeat = 0;
    for (const id of noCare) if (earlierNoCare.has(id)) repeat++;
    let newDepartments = 0;
    for (const d of w.departments) if (d !== w.department && !earlierDepartments.has(d)) newDepartments++;
    list.push({ start: w.start, noCare, exports: w.exports, departments: [...w.departments] });
    return { noCarePatients7d: earlierNoCare.size + noCare.length - repeat, noCareRepeatPatients: repeat, exports7d: exports, newDepartments };
  }

  /** End of input: closes every open window. */
  flush(): FeatureRow[] {
    return this.closeUntil(Number.POSITIVE_INFINITY);
  }

  setReference(reference: Parameters<AccessFacts['setReference']>[0]): void {
    this.facts.setReference(reference);
  }

  stats(): AccumulatorStats {
    return { ...this.counts, openWindows: this.open.size };
  }

  /** Drops what can no longer make a patient "not new": touches older than any window still to be judged needs. */
  private forget(actorId: string, before: number): void {
    const m = this.seen.get(actorId);
    if (m === undefined) return;
    for (const [id, t] of m) {
      if (t >= before) break;
      m.delete(id);
    }
    if (m.size === 0) this.seen.delete(actorId);
  }
}

/** Moves the patient to the end of the actor's memory, so the memory stays ordered by last touch and forget() can stop early. */
function remember(memory: Map<string, number>, id: string, t: number): void {
  const last = memory.get(id);
  if (last !== undefined) {
    if (last >= t) return;
    memory.delete(id);
  } else if (memory.size >= MAX_REMEMBERED_PATIENTS) {
    const oldest = memory.keys().next();
    if (oldest.done !== true) memory.delete(oldest.value);
  }
  memory.set(id, t);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function checkFeatureOptions(o: FeatureOptions): FeatureOptions {
  if (!(WINDOWS as readonly string[]).includes(o.window)) throw new ChartwatchError('CW_ERR_CONFIG', `features.window: "${String(o.window)}" is not one of ${WINDOWS.join(', ')}`);
  if (!Number.isInteger(o.noveltyDays) || o.noveltyDays < 0 || o.noveltyDays > 366) {
    throw new ChartwatchError('CW_ERR_CONFIG', `features.noveltyDays: ${String(o.noveltyDays)} is not a whole number of days in [0, 366]`);
  }
  if (!Number.isFinite(o.allowedLatenessMs) || o.allowedLatenessMs < 0) {
    throw new ChartwatchError('CW_ERR_CONFIG', `features.allowedLatenessMs: ${String(o.allowedLatenessMs)} is not a non-negative number of milliseconds`);
  }
  return { window: o.window, noveltyDays: o.noveltyDays, allowedLatenessMs: o.allowedLatenessMs };
}
