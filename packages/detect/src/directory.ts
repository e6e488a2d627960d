import { householdKey, normalizeAddress } from '@chartwatch/reference';
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
   * The patient of the actor's previous single-patient event. Audit events
   * come in bursts per chart (one per resource read), and a look-up in a
   * Map of every patient misses the CPU cache several times over (≈0.5–2 µs
   * an event in bench/detect.bench.ts), so the detector checks here first.
   */
  lastPatient: PatientFacts | null;
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
  private readonly facts = new Map<string, PatientFacts>();
  private readonly indexOf = new Map<string, number>();
  private readonly ids: string[] = [];
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
    this.facts.clear();
  }

  get(id: string): PatientFacts {
    const cached = this.facts.get(id);
    if (cached !== undefined) return cached;
    let idx = this.indexOf.get(id);
    if (idx === undefined) {
      idx = this.indexOf.size;
      this.indexOf.set(id, idx);
      this.ids.push(id);
    }
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
    this.facts.set(id, facts);
    return facts;
  }

  /** The patient id a number stands for. */
  idOf(idx: number): string {
    return this.ids[idx] ?? '';
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

  get size(): number {
    return this.facts.size;
  }
}

export class ActorDirectory {
  private readonly actors = new Map<string, ActorState>();

  /** The second parameter is ignored (households used to be interned); it is accepted so older callers compile. */
  constructor(
    private reference: ReferenceLookup,
    _unused?: unknown,
  ) {}

  setReference(reference: ReferenceLookup): void {
    this.reference = reference;
    for (const a of this.actors.values()) this.resolve(a);
  }

  get(id: string): ActorState {
    let a = this.actors.get(id);
    if (a === undefined) {
      a = {
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
        ruleKeys: null,
      };
      this.resolve(a);
      this.actors.set(id, a);
    }
    return a;
  }

  /** Drops actors not seen since `beforeMs` whose care memory is empty or older than that. */
  evictIdle(beforeMs: number): number {
    let n = 0;
    for (const [id, a] of this.actors) {
      if (a.lastSeenMs < beforeMs) {
        this.actors.delete(id);
        n++;
      }
    }
    return n;
  }

  values(): IterableIterator<ActorState> {
    return this.actors.values();
  }

  get size(): number {
    return this.actors.size;
  }

  private resolve(a: ActorState): void {
    const s = this.reference.staff(a.id) ?? null;
    // Reference data changed: patient facts are resolved again.
    a.lastPatient = null;
    a.known = s !== null;
    a.role = labelOrNull(s?.role);
    a.department = labelOrNull(s?.department);
    a.terminatedMs = timeOrInfinity(s?.terminatedAt);
    a.household = s === null ? 0 : keyHash(householdKey(s.address, s.familyName));
    a.address = s === null ? 0 : keyHash(normalizeAddress(s.address));
  }
}
