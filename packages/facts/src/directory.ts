import { DEFAULT_ROLE_VOCABULARY, householdKey, normalizeAddress } from '@chartwatch/reference';
import { IdTable, shortIdCode } from './id-table.ts';
import { parseIsoMillis } from '@chartwatch/event';
import { normalizeLabel } from './label.ts';
import type { ReferenceLookup } from './reference-lookup.ts';

/**
 * Households and addresses are compared on every event, so they are kept as
 * FNV-1a hashes (0 = unknown) rather than interned strings: no table
 * grows with the staff directory. A hash match is rare (a real relative or
 * neighbour, or a one-in-a-billion collision) and is confirmed on the
 * strings by PatientDirectory.confirm before a rule fires.
 *
 * 30 bits, not 32: V8 keeps an object field holding integers below 2^30 in
 * the object itself (a small integer), while a wider int32 turns the field
 * into a pointer to a boxed double, one more cache miss for every patient
 * and actor an event reads, and 16 bytes more each.
 */
export function keyHash(text: string | null): number {
  if (text === null) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h = (h ^ (h >>> 30)) & 0x3fffffff;
  return h === 0 ? 1 : h;
}

/**
 * Reference facts resolved once per actor and per patient, in the form the
 * hot path wants: times as numbers, labels normalised, keys precomputed.
 * Parsing an ISO string or normalising an address per event would cost more
 * than the rest of the rule pack together.
 */

/** Encounters looked back through for one still open (departmentAt): a patient's history is long, their open encounters few and recent. */
const MAX_OPEN_SCAN = 32;

export interface ParsedEncounter {
  readonly department: string;
  readonly startMs: number;
  /** +Infinity while the encounter is open. */
  readonly endMs: number;
}

export interface PatientFacts {
  readonly id: string;
  /** Small integer standing for the id in per-actor memories and distinct-patient sets. */
  readonly idx: number;
  readonly known: boolean;
  readonly vip: boolean;
  /** +Infinity when the patient is not known to be deceased. */
  readonly deceasedMs: number;
  /** deceasedMs is finite: checked first on the hot path, because reading a double field is a pointer to follow (a cache miss). */
  readonly deceased: boolean;
  readonly employeeActorId: string | null;
  /** keyHash of the household key (normalised address + family name) and of the normalised address; 0 when unknown. */
  readonly household: number;
  readonly address: number;
  /** Parsed on first use: most patients are never asked about. */
  encounters: readonly ParsedEncounter[] | null;
  /**
   * The encounters packed as [startMs, endMs, department number, …] sorted by start, for a patient
   * with more than SPANS_INLINE of them once the care check has asked (PatientDirectory.spans):
   * the others are held in the directory's typed row (PatientDirectory.spanRow), null here.
   */
  spans: readonly number[] | null;
}

/**
 * Per-actor state shared by every rule: who the directory says the actor is,
 * and the care memory (patients the actor treated, see care-relationship.ts).
 */
export interface ActorState {
  readonly id: string;
  known: boolean;
  role: string | null;
  department: string | null;
  /**
   * When the account was terminated, null when it is not. Null, not +Infinity: a field only ever
   * holding doubles gets a box of its own in every record (16 bytes an actor), one holding null or
   * a number points at the shared null.
   */
  terminatedMs: number | null;
  /** terminatedMs is not null: checked first on the hot path. */
  terminated: boolean;
  household: number;
  address: number;
  /**
   * Care memory: one number per patient, idx × 2^26 + minute (see care-relationship.ts), scanned
   * linearly; the first `treatedCount` entries count, the rest is room to grow (care-relationship.ts
   * grows it in small steps: an array grown by push reserves 17 slots at its first entry).
   */
  treated: number[];
  treatedCount: number;
  /**
   * The actor's number in its ActorDirectory (0, 1, 2, … in order of first sight): the row of the
   * directory's typed table that holds its last-seen time and recent patients (ActorDirectory.rows).
   */
  readonly slot: number;
  /** The detector's per-rule state of this actor, chained (see rule-runner.ts): no string-keyed Map on the hot path. */
  ruleKeys: object | null;
}

/**
 * The care memory of an actor who has none: shared, and never written (the care relationship swaps in
 * an array of its own before the first entry, see CareRelationships.record).
 */
export const NO_MEMORY: number[] = [];

const NO_CATEGORIES: readonly string[] = Object.freeze([]);

function timeOrInfinity(text: string | null | undefined): number {
  if (text === null || text === undefined) return Number.POSITIVE_INFINITY;
  const ms = parseIsoMillis(text);
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
}

function labelOrNull(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const v = normalizeLabel(text);
  return v === '' ? null : v;
}

/**
 * A patient's row in PatientDirectory.spanTable, by idx: [state, start, end, department, start,
 * end, department, summary], state 0 = encounters not read yet, n + 1 = n encounters (up to
 * SPANS_INLINE) in the row sorted by start, -1 = more, in PatientFacts.spans. Eight doubles, 64
 * bytes: the care check, on every successful user event (bench data: nine patients in ten have one
 * or two encounters), reads one cache line where an array of spans would be two loads (the array and
 * its element store) on top of the facts record. The summary (see SUMMARY) answers the prefilter's
 * patient bits from the same line, so a single-patient event reads the facts record only when the
 * patient is deceased, an employee or at the actor's address.
 */
export const SPAN_ROW = 8;
export const SPANS_INLINE = 2;

/**
 * The facts the prefilter asks of every patient, packed in the row's last double:
 * 1 (resolved) + 2 vip + 4 deceased + 8 employee + 16 × address hash (< 2^30, so < 2^34 in all);
 * 0 = facts not resolved since the last setReference.
 */
export const SUMMARY = {
  slot: 7,
  vip: 2,
  deceased: 4,
  employee: 8,
  addressUnit: 16,
} as const;

export class PatientDirectory {
  /** Patient id → idx (see id-table.ts: no string-keyed Map on the hot path). */
  private readonly numbers = new IdTable();
  /** Facts by idx; undefined until resolved (and again after setReference). */
  private facts: (PatientFacts | undefined)[] = [];
  /** Normalised departments of the encounters seen so far, numbered for spans. */
  private readonly departmentIds = new Map<string, number>();
  private readonly departmentNames: string[] = [];
  /** SPAN_ROW doubles per idx (see SPAN_ROW); replaced by a larger one as patients are numbered. */
  spanTable = new Float64Array(SPAN_ROW * 1024);

  /** The second parameter is ignored (households used to be interned); it is accepted so older callers compile. */
  constructor(
    private reference: ReferenceLookup,
    _unused?: unknown,
  ) {}

  /** Confirms on the strings what matching hashes suggest: the patient lives with (same household) or at (address) the actor's address. */
  confirm(actorId: string, patientId: string, household: boolean): boolean {
    const s = this.reference.staff(actorId);
    const p = this.reference.patient(patientId);
    if (s === null || s === undefined || p === null || p === undefined) return false;
    const a = household ? householdKey(s.address, s.familyName) : normalizeAddress(s.address);
    const b = household ? householdKey(p.address, p.familyName) : normalizeAddress(p.address);
    return a !== null && a === b;
  }

  /** Reference data was reloaded: forget resolved facts, keep the id numbering (memories refer to it). */
  setReference(reference: ReferenceLookup): void {
    this.reference = reference;
    this.facts = [];
    this.spanTable.fill(0);
  }

  get(id: string): PatientFacts {
    return this.factsAt(this.numbers.intern(id));
  }

  /** The patient's idx alone, without resolving its facts (window counts need no more). */
  idxOf(id: string, code: number = shortIdCode(id)): number {
    return this.numbers.intern(id, code);
  }

  private resolve(id: string, idx: number): PatientFacts {
    const p = this.reference.patient(id) ?? null;
    const deceasedMs = timeOrInfinity(p?.deceasedAt);
    const facts: PatientFacts = {
      id,
      idx,
      known: p !== null,
      vip: p?.vip === true,
      deceasedMs,
      deceased: deceasedMs !== Number.POSITIVE_INFINITY,
      employeeActorId: p?.employeeActorId ?? null,
      household: p === null ? 0 : keyHash(householdKey(p.address, p.familyName)),
      address: p === null ? 0 : keyHash(normalizeAddress(p.address)),
      encounters: null,
      spans: null,
    };
    // Filled in order of first sight, so the array stays packed (indices are handed out in that order).
    while (this.facts.length < idx) this.facts.push(undefined);
    this.facts[idx] = facts;
    const r = this.rowOf(idx);
    this.spanTable[r + SUMMARY.slot] =
      1 + (facts.vip ? SUMMARY.vip : 0) + (facts.deceased ? SUMMARY.deceased : 0) + (facts.employeeActorId !== null ? SUMMARY.employee : 0) + facts.address * SUMMARY.addressUnit;
    return facts;
  }

  /** The facts summary of a numbered patient (see SUMMARY), its facts resolved first if need be. */
  summary(idx: number): number {
    const r = idx * SPAN_ROW + SUMMARY.slot;
    const s = r < this.spanTable.length ? (this.spanTable[r] as number) : 0;
    if (s !== 0) return s;
    this.resolve(this.numbers.idOf(idx), idx);
    return this.spanTable[r] as number;
  }

  /** The facts of a numbered patient, resolved if need be. */
  factsAt(idx: number): PatientFacts {
    return this.facts[idx] ?? this.resolve(this.numbers.idOf(idx), idx);
  }

  /** The offset of the patient's row in spanTable, the table grown to hold it. */
  private rowOf(idx: number): number {
    const r = idx * SPAN_ROW;
    if (r >= this.spanTable.length) {
      const grown = new Float64Array(Math.max(this.spanTable.length * 2, r + SPAN_ROW));
      grown.set(this.spanTable);
      this.spanTable = grown;
    }
    return r;
  }

  /** The patient id a number stands for. */
  idOf(idx: number): string {
    return this.numbers.idOf(idx);
  }

  encounters(p: PatientFacts): readonly ParsedEncounter[] {
    if (p.encounters !== null) return p.encounters;
    const spans = p.spans ?? this.spans(p);
    const parsed: ParsedEncounter[] = [];
    for (let i = 0; i < spans.length; i += 3) {
      parsed.push({ department: this.departmentNames[spans[i + 2] as number] as string, startMs: spans[i] as number, endMs: spans[i + 1] as number });
    }
    p.encounters = parsed;
    return parsed;
  }

  /**
   * The patient's department at t: `preferred` (the actor's own) when one of the encounters open at t is
   * there; else the department of the earliest-started open encounter (the admission, not the laboratory
   * visit beside it); else that of the latest encounter before t; null when the patient has none. The one
   * definition both the rules (conditions/) and the model's features read.
   */
  departmentAt(p: PatientFacts, t: number, preferred: string | null): string | null {
    const list = this.encounters(p);
    // Sorted by start: binary search for the last encounter started at or before t.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] as ParsedEncounter).startMs <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return null;
    // Open at t: an admission and the laboratory, pharmacy or imaging encounters that run beside it.
    let earliestOpen: string | null = null;
    for (let i = lo - 1; i >= 0 && i >= lo - MAX_OPEN_SCAN; i--) {
      const e = list[i] as ParsedEncounter;
      if (e.endMs < t) continue;
      if (e.department === preferred) return preferred;
      earliestOpen = e.department;
    }
    return earliestOpen ?? (list[lo - 1] as ParsedEncounter).department;
  }

  /** The patient's encounters as [startMs, endMs, department number, …] sorted by start. */
  spans(p: PatientFacts): readonly number[] {
    const r = this.spanRow(p);
    const rows = this.spanTable;
    const state = rows[r] as number;
    // Set by spanRow for a row of more encounters.
    if (state < 0) return p.spans ?? [];
    return Array.from(rows.subarray(r + 1, r + 1 + 3 * (state - 1)));
  }

  /**
   * The offset of the patient's row in spanTable (see SPAN_ROW), its encounters read on first use.
   * Read spanTable after this call: it may have been replaced by a larger one.
   */
  spanRow(p: PatientFacts): number {
    return this.spanRowAt(p.idx);
  }

  /** spanRow by the patient's number: the facts record is read only to load the row, or for more encounters than it holds. */
  spanRowAt(idx: number): number {
    const r = idx * SPAN_ROW;
    if (r < this.spanTable.length) {
      const state = this.spanTable[r] as number;
      if (state > 0) return r;
      // A row of more encounters is read again only for a facts record that has not got them (resolved since setReference).
      if (state < 0 && this.facts[idx]?.spans != null) return r;
    }
    const p = this.factsAt(idx);
    const parsed: { startMs: number; endMs: number; department: number }[] = [];
    for (const e of this.reference.encounters(p.id)) {
      const startMs = parseIsoMillis(e.start);
      if (!Number.isFinite(startMs)) continue;
      const name = normalizeLabel(e.department);
      let department = this.departmentIds.get(name);
      if (department === undefined) {
        department = this.departmentNames.length;
        this.departmentIds.set(name, department);
        this.departmentNames.push(name);
      }
      parsed.push({ department, startMs, endMs: timeOrInfinity(e.end) });
    }
    parsed.sort((a, b) => a.startMs - b.startMs);
    this.rowOf(idx);
    const rows = this.spanTable;
    if (parsed.length <= SPANS_INLINE) {
      rows[r] = parsed.length + 1;
      let o = r + 1;
      for (const e of parsed) {
        rows[o] = e.startMs;
        rows[o + 1] = e.endMs;
        rows[o + 2] = e.department;
        o += 3;
      }
    } else {
      rows[r] = -1;
      const spans: number[] = [];
      for (const e of parsed) spans.push(e.startMs, e.endMs, e.department);
      p.spans = spans;
    }
    return r;
  }

  /** The number of a normalised department in spans, or -1 when no encounter seen so far is in it. */
  departmentId(label: string | null): number {
    if (label === null) return -1;
    return this.departmentIds.get(label) ?? -1;
  }

  /** Patients seen (each got an idx). */
  get size(): number {
    return this.numbers.size;
  }
}

/**
 * An actor's row in ActorDirectory.rows: [last seen ms, 4 recent patient codes, 2 pairs of
 * recent patient idx + 1 (hi × 2^26 + lo), next slot to replace]. Eight doubles, 64 bytes: what
 * every event of the actor reads and writes sits in one or two cache lines, where the same facts as
 * fields and small arrays of the actor object would be five loads from as many places (a boxed
 * double, two arrays and their element stores).
 */
const ROW = 8;
const LAST_SEEN = 0;
const CODES = 1;
const IDXS = 5;
const NEXT = 7;
/** Recent patients remembered per actor (see ActorDirectory.recentPatient). */
const RECENT = 4;
const PAIR = 2 ** 26;

export class ActorDirectory {
  /** Actor id → slot in `actors` (id-table.ts); a slot is reused when its actor comes back after eviction. */
  private readonly numbers = new IdTable();
  private readonly actors: (ActorState | undefined)[] = [];
  /** One row of ROW doubles per slot (see ROW). */
  private rows = new Float64Array(ROW * 1024);
  private live = 0;

  /** The second parameter is ignored (households used to be interned); it is accepted so older callers compile. */
  constructor(
    private reference: ReferenceLookup,
    _unused?: unknown,
  ) {}

  setReference(reference: ReferenceLookup): void {
    this.reference = reference;
    this.vocabularyVersion++;
    for (const a of this.values()) this.resolve(a);
  }

  /** Bumped when reference data (and with it the role vocabulary) is swapped: caches of categories start over. */
  vocabularyVersion = 0;

  /** The categories of a normalised role (roles.csv, or the built-in vocabulary when reference data has none). */
  categoriesOf(role: string | null): readonly string[] {
    if (role === null) return NO_CATEGORIES;
    const lookup = this.reference.roleCategories;
    return lookup === undefined ? DEFAULT_ROLE_VOCABULARY.categoriesOf(role) : lookup.call(this.reference, role);
  }

  get(id: string): ActorState {
    const n = this.numbers.intern(id);
    return this.actors[n] ?? this.create(id, n);
  }

  /** The actor was seen at t (event time). */
  touch(a: ActorState, t: number): void {
    const r = a.slot * ROW + LAST_SEEN;
    if (t > (this.rows[r] as number)) this.rows[r] = t;
  }

  /**
   * The idx of the patient whose short-id code (id-table.ts) is `code` if it is among the actor's last
   * single-patient charts, or -1. Audit events come in bursts per chart and sessions revisit a handful
   * of charts, so the detector looks here (the actor's row, already in cache) before the patient table
   * (bench/detect.bench.ts: three single-patient look-ups in four are answered here).
   */
  recentPatient(a: ActorState, code: number): number {
    const rows = this.rows;
    const r = a.slot * ROW;
    for (let k = 0; k < RECENT; k++) {
      if (rows[r + CODES + k] === code) {
        const pair = rows[r + IDXS + (k >> 1)] as number;
        const hi = Math.floor(pair / PAIR);
        return ((k & 1) === 0 ? hi : pair - hi * PAIR) - 1;
      }
    }
    return -1;
  }

  /** Remembers a single-patient chart of the actor, replacing the oldest of its recent patients. */
  rememberPatient(a: ActorState, code: number, idx: number): void {
    if (idx + 1 >= PAIR) return;
    const rows = this.rows;
    const r = a.slot * ROW;
    const k = rows[r + NEXT] as number;
    rows[r + CODES + k] = code;
    const at = r + IDXS + (k >> 1);
    const pair = rows[at] as number;
    const hi = Math.floor(pair / PAIR);
    const lo = pair - hi * PAIR;
    rows[at] = (k & 1) === 0 ? (idx + 1) * PAIR + lo : hi * PAIR + idx + 1;
    rows[r + NEXT] = k + 1 >= RECENT ? 0 : k + 1;
  }

  private forgetRecent(slot: number): void {
    this.rows.fill(0, slot * ROW + CODES, slot * ROW + ROW);
  }

  private create(id: string, n: number): ActorState {
    const a: ActorState = {
      id,
      known: false,
      role: null,
      department: null,
      terminatedMs: null,
      terminated: false,
      household: 0,
      address: 0,
      treated: NO_MEMORY,
      treatedCount: 0,
      slot: n,
      ruleKeys: null,
    };
    if ((n + 1) * ROW > this.rows.length) {
      // By a quarter, not doubling: rows are 64 bytes an actor, and a doubled table is on average a third
      // empty (bench/detect.bench.ts: 34,072 actors in 65,536 rows would be 123 bytes an active actor).
      const grown = new Float64Array(Math.max(ROW * Math.ceil((this.rows.length / ROW) * 1.25), (n + 1) * ROW));
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rows[n * ROW + LAST_SEEN] = Number.NEGATIVE_INFINITY;
    this.resolve(a);
    while (this.actors.length < n) this.actors.push(undefined);
    this.actors[n] = a;
    this.live++;
    return a;
  }

  /** Drops actors not seen since `beforeMs` whose care memory is empty or older than that. */
  evictIdle(beforeMs: number): number {
    let n = 0;
    const actors = this.actors;
    for (let i = 0; i < actors.length; i++) {
      const a = actors[i];
      if (a !== undefined && (this.rows[i * ROW + LAST_SEEN] as number) < beforeMs) {
        actors[i] = undefined;
        n++;
      }
    }
    this.live -= n;
    return n;
  }

  *values(): IterableIterator<ActorState> {
    for (const a of this.actors) if (a !== undefined) yield a;
  }

  get size(): number {
    return this.live;
  }

  private resolve(a: ActorState): void {
    const s = this.reference.staff(a.id) ?? null;
    // Reference data changed: patient facts are resolved again.
    this.forgetRecent(a.slot);
    a.known = s !== null;
    a.role = labelOrNull(s?.role);
    a.department = labelOrNull(s?.department);
    const terminatedMs = timeOrInfinity(s?.terminatedAt);
    a.terminated = terminatedMs !== Number.POSITIVE_INFINITY;
    a.terminatedMs = a.terminated ? terminatedMs : null;
    a.household = s === null ? 0 : keyHash(householdKey(s.address, s.familyName));
    a.address = s === null ? 0 : keyHash(normalizeAddress(s.address));
  }
}
