import { householdKey, normalizeAddress } from '@chartwatch/reference';
import { IdTable, shortIdCode } from './id-table.ts';
import { parseIsoMillis } from './iso-time.ts';
import { normalizeLabel } from './label.ts';
import type { ReferenceLookup } from './reference-lookup.ts';

/**
 * Households and addresses are compared on every event, so they are kept as
 * 32-bit FNV-1a hashes (0 = unknown) rather than interned strings: no table
 * grows with the staff directory. A hash match is rare (a real relative or
 * neighbour, or a one-in-four-billion collision) and is confirmed on the
 * strings by PatientDirectory.confirm before a rule fires.
 */
export function keyHash(text: string | null): number {
  if (text === null) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h |= 0;
  return h === 0 ? 1 : h;
}

/**
 * Reference facts resolved once per actor and per patient, in the form the
 * hot path wants: times as numbers, labels normalised, keys precomputed.
 * Parsing an ISO string or normalising an address per event would cost more
 * than the rest of the rule pack together.
 */

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
  readonly employeeActorId: string | null;
  /** keyHash of the household key (normalised address + family name) and of the normalised address; 0 when unknown. */
  readonly household: number;
  readonly address: number;
  /** Parsed on first use: most patients are never asked about. */
  encounters: readonly ParsedEncounter[] | null;
  /**
   * The encounters packed for the care check on every read: [startMs, endMs,
   * department number, …] sorted by start (PatientDirectory.spans). A flat
   * double array is two memory loads where objects with department strings
   * were one load per encounter and per string. The care check is ≈0.8 µs of
   * the 2.2–2.8 µs an event costs with no rules at all (bench data, CPU time,
   * measured by leaving it out); packing gained only a few percent of that.
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
  /** +Infinity when the account is not terminated. */
  terminatedMs: number;
  household: number;
  address: number;
  /** Care memory: one number per patient, idx × 2^26 + minute (see care-relationship.ts), scanned linearly. */
  treated: number[];
  lastSeenMs: number;
  /**
   * The patient of the actor's previous single-patient event (kept for callers; the detector uses `recent`).
   */
  lastPatient: PatientFacts | null;
  /**
   * The actor's last single-patient events' patients, as short-id codes (id-table.ts) in `recentCodes` and
   * their facts in `recentFacts`, replaced round-robin (`recentNext`); null until the first. Audit events
   * come in bursts per chart and sessions revisit a handful of charts, so the detector looks here (a scan
   * of a few numbers in memory already in cache) before the patient table (bench/detect.bench.ts: three
   * single-patient look-ups in four are answered here).
   */
  recentCodes: number[] | null;
  recentFacts: PatientFacts[] | null;
  recentNext: number;
  /** The detector's per-rule state of this actor, chained (see rule-runner.ts): no string-keyed Map on the hot path. */
  ruleKeys: object | null;
}

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

export class PatientDirectory {
  /** Patient id → idx (see id-table.ts: no string-keyed Map on the hot path). */
  private readonly numbers = new IdTable();
  /** Facts by idx; undefined until resolved (and again after setReference). */
  private facts: (PatientFacts | undefined)[] = [];
  /** Normalised departments of the encounters seen so far, numbered for spans. */
  private readonly departmentIds = new Map<string, number>();
  private readonly departmentNames: string[] = [];

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
  }

  get(id: string): PatientFacts {
    return this.getCoded(id, shortIdCode(id));
  }

  /** The patient's idx alone, without resolving its facts (window counts need no more). */
  idxOf(id: string): number {
    return this.numbers.intern(id);
  }

  /** get() for a caller that already has the id's shortIdCode. */
  getCoded(id: string, code: number): PatientFacts {
    const idx = this.numbers.intern(id, code);
    return this.facts[idx] ?? this.resolve(id, idx);
  }

  private resolve(id: string, idx: number): PatientFacts {
    const p = this.reference.patient(id) ?? null;
    const facts: PatientFacts = {
      id,
      idx,
      known: p !== null,
      vip: p?.vip === true,
      deceasedMs: timeOrInfinity(p?.deceasedAt),
      employeeActorId: p?.employeeActorId ?? null,
      household: p === null ? 0 : keyHash(householdKey(p.address, p.familyName)),
      address: p === null ? 0 : keyHash(normalizeAddress(p.address)),
      encounters: null,
      spans: null,
    };
    // Filled in order of first sight, so the array stays packed (indices are handed out in that order).
    while (this.facts.length < idx) this.facts.push(undefined);
    this.facts[idx] = facts;
    return facts;
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

  /** The patient's encounters as [startMs, endMs, department number, …] sorted by start (see PatientFacts.spans). */
  spans(p: PatientFacts): readonly number[] {
    if (p.spans !== null) return p.spans;
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
    const spans: number[] = [];
    for (const e of parsed) spans.push(e.startMs, e.endMs, e.department);
    p.spans = spans;
    return spans;
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

export class ActorDirectory {
  /** Actor id → slot in `actors` (id-table.ts); a slot is reused when its actor comes back after eviction. */
  private readonly numbers = new IdTable();
  private readonly actors: (ActorState | undefined)[] = [];
  private live = 0;

  /** The second parameter is ignored (households used to be interned); it is accepted so older callers compile. */
  constructor(
    private reference: ReferenceLookup,
    _unused?: unknown,
  ) {}

  setReference(reference: ReferenceLookup): void {
    this.reference = reference;
    for (const a of this.values()) this.resolve(a);
  }

  get(id: string): ActorState {
    const n = this.numbers.intern(id);
    return this.actors[n] ?? this.create(id, n);
  }

  private create(id: string, n: number): ActorState {
    const a: ActorState = {
      id,
      known: false,
      role: null,
      department: null,
      terminatedMs: Number.POSITIVE_INFINITY,
      household: 0,
      address: 0,
      treated: [],
      lastSeenMs: Number.NEGATIVE_INFINITY,
      lastPatient: null,
      recentCodes: null,
      recentFacts: null,
      recentNext: 0,
      ruleKeys: null,
    };
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
      if (a !== undefined && a.lastSeenMs < beforeMs) {
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
    a.lastPatient = null;
    a.recentCodes = null;
    a.recentFacts = null;
    a.recentNext = 0;
    a.known = s !== null;
    a.role = labelOrNull(s?.role);
    a.department = labelOrNull(s?.department);
    a.terminatedMs = timeOrInfinity(s?.terminatedAt);
    a.household = s === null ? 0 : keyHash(householdKey(s.address, s.familyName));
    a.address = s === null ? 0 : keyHash(normalizeAddress(s.address));
  }
}
