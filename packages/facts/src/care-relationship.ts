import { NO_MEMORY } from './directory.ts';
import type { ActorState, PatientDirectory, PatientFacts } from './directory.ts';
import { DEFAULT_ROLE_VOCABULARY } from '@chartwatch/reference';
import { normalizeLabel } from './label.ts';

/**
 * The care relationship: whether an actor has a reason to be in a patient's
 * chart at time t. It holds when any of these does:
 *
 *  1. ENCOUNTER: the patient has an encounter in the actor's department (the
 *     department recorded in the event, or the staff directory's) whose span,
 *     widened to [start − before, end + after], contains t. An open encounter
 *     (no end) extends to t. Defaults: 7 days before, 7 days after.
 *  2. TREATED BEFORE: within `memory` (default 90 days) before t, the actor
 *     either wrote to the patient's chart (a successful create or update) or
 *     opened it successfully while rule 1 held. Not for the operational roles of
 *     rule 3 (by the staff directory's role): their writes belong to a
 *     transaction whose window rule 3 already gives.
 *  3. OPERATIONS: staff who serve every department work from encounters of
 *     any department, each at its own moment (by the categories of the
 *     event's role or the directory's, from the hospital's role vocabulary,
 *     roles.csv; the option lists of local codes add to it):
 *     - registration roles: an encounter starts within `registrationMs`
 *       (default 1 day) before or after t (pre-registration, check-in);
 *     - billing roles: an encounter ended within `billingMs` (default 45
 *       days) before t (claims after discharge);
 *     - records roles (health information management, release of
 *       information): any encounter that ended before t (records requests).
 *     These do not build memory: their purpose ends with the window.
 *
 * Only successful accesses build memory, and an access is judged before it is
 * remembered, so a first write cannot vouch for itself. Memory is per actor,
 * capped at `maxPatientsPerActor` (the least recently treated patient is
 * forgotten first), so state stays bounded whatever the traffic.
 */
export interface CareOptions {
  beforeMs: number;
  afterMs: number;
  memoryMs: number;
  maxPatientsPerActor: number;
  /** Role categories (roles.csv) of each operational relationship. */
  registrationCategories: readonly string[];
  billingCategories: readonly string[];
  recordsCategories: readonly string[];
  /** Local role codes added to the categories' roles, for a deployment without a roles.csv entry for them. */
  registrationRoles: readonly string[];
  registrationMs: number;
  billingRoles: readonly string[];
  billingMs: number;
  recordsRoles: readonly string[];
}

/** Where the care relationship reads a role's categories: the detector's ActorDirectory. */
export interface RoleCategorySource {
  /** Changes whenever the vocabulary may have: cached answers are dropped. */
  readonly vocabularyVersion: number;
  categoriesOf(role: string | null): readonly string[];
}

const DEFAULT_ROLE_SOURCE: RoleCategorySource = {
  vocabularyVersion: 0,
  categoriesOf: (role) => (role === null ? [] : DEFAULT_ROLE_VOCABULARY.categoriesOf(role)),
};

export const DEFAULT_CARE_OPTIONS: CareOptions = {
  beforeMs: 7 * 86_400_000,
  afterMs: 7 * 86_400_000,
  memoryMs: 90 * 86_400_000,
  maxPatientsPerActor: 256,
  registrationCategories: ['registration'],
  billingCategories: ['billing'],
  recordsCategories: ['him'],
  registrationRoles: [],
  registrationMs: 86_400_000,
  billingRoles: [],
  billingMs: 45 * 86_400_000,
  recordsRoles: [],
};

const REGISTRATION = 1;
const BILLING = 2;
const RECORDS = 4;

const MINUTE_MS = 60_000;
/**
 * Memory entries pack patient number and minute in one double,
 * idx × 2^26 + minutes since 1970 (2^26 minutes reach the year 2097): 8
 * bytes a patient in an unboxed double array.
 */
const MINUTES = 2 ** 26;

/**
 * The minute of a packed memory entry. `v % MINUTES` on a double past 2^31 is
 * a call to C's fmod in V8 (tens of ns), paid for every entry of every scan;
 * the power-of-two division, floor and subtraction are exact and stay in
 * registers (with the packed spans: 3.9 → 3.75 µs an event, whole pack,
 * bench data, CPU time).
 */
function minuteOf(v: number): number {
  return v - Math.floor(v / MINUTES) * MINUTES;
}

export class CareRelationships {
  /** Local codes of the options' role lists → operational bits. */
  private readonly extraRoles = new Map<string, number>();
  /** Category → operational bits. */
  private readonly categoryBits = new Map<string, number>();
  /** Normalised role → which operational relationships it has (0 for clinical and unknown roles), as asked. */
  private readonly purposes = new Map<string, number>();
  private purposesVersion = -1;

  constructor(
    readonly options: CareOptions,
    private readonly patients: PatientDirectory,
    private readonly roles: RoleCategorySource = DEFAULT_ROLE_SOURCE,
  ) {
    const add = (map: Map<string, number>, names: readonly string[], bit: number, normalize: boolean) => {
      for (const r of names) {
        const key = normalize ? normalizeLabel(r) : r;
        map.set(key, (map.get(key) ?? 0) | bit);
      }
    };
    add(this.extraRoles, options.registrationRoles, REGISTRATION, true);
    add(this.extraRoles, options.billingRoles, BILLING, true);
    add(this.extraRoles, options.recordsRoles, RECORDS, true);
    add(this.categoryBits, options.registrationCategories, REGISTRATION, false);
    add(this.categoryBits, options.billingCategories, BILLING, false);
    add(this.categoryBits, options.recordsCategories, RECORDS, false);
  }

  /** The operational bits of a normalised role, cached until the vocabulary changes (a reference reload). */
  private purposeOf(role: string | null): number {
    if (role === null) return 0;
    if (this.purposesVersion !== this.roles.vocabularyVersion) {
      this.purposes.clear();
      this.purposesVersion = this.roles.vocabularyVersion;
    }
    let bits = this.purposes.get(role);
    if (bits === undefined) {
      bits = this.extraRoles.get(role) ?? 0;
      for (const c of this.roles.categoriesOf(role)) bits |= this.categoryBits.get(c) ?? 0;
      this.purposes.set(role, bits);
    }
    return bits;
  }

  /** Rule 3, for actors in an operational role. */
  viaOperations(eventRole: string | null, actor: ActorState, patient: PatientFacts, t: number): boolean {
    const bits = this.purposeOf(eventRole) | this.purposeOf(actor.role);
    if (bits === 0) return false;
    const list = patient.encounters ?? this.patients.encounters(patient);
    const { registrationMs, billingMs } = this.options;
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as (typeof list)[number];
      if ((bits & REGISTRATION) !== 0 && e.startMs >= t - registrationMs && e.startMs <= t + registrationMs) return true;
      if ((bits & BILLING) !== 0 && e.endMs <= t && e.endMs >= t - billingMs) return true;
      if ((bits & RECORDS) !== 0 && e.endMs <= t) return true;
    }
    return false;
  }

  /** Rule 1: an encounter of the patient in either department spans t. */
  viaEncounter(eventDepartment: string | null, actor: ActorState, patient: PatientFacts, t: number): boolean {
    return this.viaEncounterAt(eventDepartment, actor, patient.idx, t);
  }

  /** Rule 1 by the patient's number (PatientFacts.idx): the facts record is not read on the common path. */
  viaEncounterAt(eventDepartment: string | null, actor: ActorState, idx: number, t: number): boolean {
    const d1 = eventDepartment;
    const d2 = actor.department;
    if (d1 === null && d2 === null) return false;
    // The patient's row, departments as numbers (see SPAN_ROW). Numbered after reading, which numbers new departments.
    const patients = this.patients;
    const r = patients.spanRowAt(idx);
    const state = patients.spanTable[r] as number;
    if (state === 1) return false;
    const id1 = patients.departmentId(d1);
    const id2 = patients.departmentId(d2);
    if (id1 < 0 && id2 < 0) return false;
    const { beforeMs, afterMs } = this.options;
    let spans: ArrayLike<number>;
    let from: number;
    let to: number;
    if (state < 0) {
      const patient = patients.factsAt(idx);
      spans = patient.spans ?? patients.spans(patient);
      from = 0;
      to = spans.length;
    } else {
      spans = patients.spanTable;
      from = r + 1;
      to = r + 1 + 3 * (state - 1);
    }
    for (let i = from; i < to; i += 3) {
      if ((spans[i] as number) - beforeMs > t) break;
      if ((spans[i + 1] as number) + afterMs < t) continue;
      const d = spans[i + 2] as number;
      if (d === id1 || d === id2) return true;
    }
    return false;
  }

  /** Rule 2: the actor treated the patient within memory before t. */
  treatedBefore(actor: ActorState, patient: PatientFacts, t: number): boolean {
    const since = Math.floor((t - this.options.memoryMs) / MINUTE_MS);
    const until = Math.floor(t / MINUTE_MS);
    const memory = actor.treated;
    const n = actor.treatedCount;
    const idx = patient.idx;
    for (let i = 0; i < n; i++) {
      const v = memory[i] as number;
      if (Math.floor(v / MINUTES) === idx) {
        const m = minuteOf(v);
        return m >= since && m <= until;
      }
    }
    return false;
  }

  has(eventRole: string | null, eventDepartment: string | null, actor: ActorState, patient: PatientFacts, t: number): boolean {
    return this.viaEncounter(eventDepartment, actor, patient, t) || this.treatedBefore(actor, patient, t) || this.viaOperations(eventRole, actor, patient, t);
  }

  /** Remembers a successful access when it was a write or happened under rule 1. */
  record(eventDepartment: string | null, actor: ActorState, patient: PatientFacts, t: number, wrote: boolean): void {
    this.recordAt(eventDepartment, actor, patient.idx, t, wrote);
  }

  /** record() by the patient's number (PatientFacts.idx). */
  recordAt(eventDepartment: string | null, actor: ActorState, idx: number, t: number, wrote: boolean): void {
    if (!wrote && !this.viaEncounterAt(eventDepartment, actor, idx, t)) return;
    // An operational role's write (a check-in, a claim) is bounded by its encounter window (rule 3), not a
    // lasting relationship: a registrar who registered a coworker on Thursday has no reason in the chart on Sunday.
    if (this.purposeOf(actor.role) !== 0) return;
    const minute = Math.floor(t / MINUTE_MS) % MINUTES;
    const memory = actor.treated;
    const n = actor.treatedCount;
    let oldest = -1;
    let oldestMinute = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = memory[i] as number;
      const m = minuteOf(v);
      if (Math.floor(v / MINUTES) === idx) {
        if (minute > m) memory[i] = idx * MINUTES + minute;
        return;
      }
      if (m < oldestMinute) {
        oldestMinute = m;
        oldest = i;
      }
    }
    if (n >= this.options.maxPatientsPerActor && oldest >= 0) {
      memory[oldest] = idx * MINUTES + minute;
      return;
    }
    const into = n < memory.length ? memory : (actor.treated = memoryWithRoom(memory, n, Math.max(n + 1, Math.min(this.options.maxPatientsPerActor, roomFor(n)))));
    into[n] = idx * MINUTES + minute;
    actor.treatedCount = n + 1;
  }

  /** Forgets memories older than the memory span; returns how many pairs were dropped. */
  expire(actor: ActorState, nowMs: number): number {
    const since = Math.floor((nowMs - this.options.memoryMs) / MINUTE_MS);
    const memory = actor.treated;
    const n = actor.treatedCount;
    let w = 0;
    for (let r = 0; r < n; r++) {
      const v = memory[r] as number;
      if (minuteOf(v) >= since) memory[w++] = v;
    }
    actor.treatedCount = w;
    // Give the room back once half of it is unused (an actor who stopped treating many patients).
    if (w === 0) actor.treated = NO_MEMORY;
    else if (2 * roomFor(w) <= memory.length) actor.treated = memoryWithRoom(memory, w, roomFor(w));
    return n - w;
  }
}

/**
 * Slots to hold n + 1 entries: four, eight, then half again. A care memory grown by push reserves
 * 17 slots at its first entry (152 bytes for the five patients an active actor treats in
 * bench/detect.bench.ts); growing by a quarter instead of a half cost 2% of the core in copies.
 */
function roomFor(n: number): number {
  return n < 4 ? 4 : n < 8 ? 8 : n + 1 + (n >> 1);
}

/** A memory of `size` slots holding the first n entries of `from`. */
function memoryWithRoom(from: readonly number[], n: number, size: number): number[] {
  // Filled with a fraction so the array holds doubles from the start (the entries are doubles past 2^31).
  const into = new Array<number>(size).fill(0.5);
  for (let i = 0; i < n; i++) into[i] = from[i] as number;
  return into;
}
