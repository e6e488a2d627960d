import { householdKey, normalizeAddress } from '@chartwatch/reference';
import { parseIsoMillis } from './iso-time.ts';
import { normalizeLabel } from './label.ts';
import type { Interner } from './interner.ts';
import type { ReferenceLookup } from './reference-lookup.ts';

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
  /** Interned household key (normalised address + family name) and normalised address; -1 when unknown. */
  readonly household: number;
  readonly address: number;
  /** Parsed on first use: most patients are never asked about. */
  encounters: readonly ParsedEncounter[] | null;
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
  /** Flat pairs [patientIdx, minute, patientIdx, minute, …]: 16 bytes a pair, scanned linearly. */
  treated: number[];
  lastSeenMs: number;
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

  constructor(
    private reference: ReferenceLookup,
    private readonly keys: Interner,
  ) {}

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
    }
    const p = this.reference.patient(id) ?? null;
    const facts: PatientFacts = {
      id,
      idx,
      known: p !== null,
      vip: p?.vip === true,
      deceasedMs: timeOrInfinity(p?.deceasedAt),
      employeeActorId: p?.employeeActorId ?? null,
      household: p === null ? -1 : this.keys.idOrNone(householdKey(p.address, p.familyName)),
      address: p === null ? -1 : this.keys.idOrNone(normalizeAddress(p.address)),
      encounters: null,
    };
    this.facts.set(id, facts);
    return facts;
  }

  encounters(p: PatientFacts): readonly ParsedEncounter[] {
    if (p.encounters !== null) return p.encounters;
    const parsed: ParsedEncounter[] = [];
    for (const e of this.reference.encounters(p.id)) {
      const startMs = parseIsoMillis(e.start);
      if (!Number.isFinite(startMs)) continue;
      parsed.push({ department: normalizeLabel(e.department), startMs, endMs: timeOrInfinity(e.end) });
    }
    parsed.sort((a, b) => a.startMs - b.startMs);
    p.encounters = parsed;
    return parsed;
  }

  get size(): number {
    return this.facts.size;
  }
}

export class ActorDirectory {
  private readonly actors = new Map<string, ActorState>();

  constructor(
    private reference: ReferenceLookup,
    private readonly keys: Interner,
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
        household: -1,
        address: -1,
        treated: [],
        lastSeenMs: Number.NEGATIVE_INFINITY,
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
    a.known = s !== null;
    a.role = labelOrNull(s?.role);
    a.department = labelOrNull(s?.department);
    a.terminatedMs = timeOrInfinity(s?.terminatedAt);
    a.household = s === null ? -1 : this.keys.idOrNone(householdKey(s.address, s.familyName));
    a.address = s === null ? -1 : this.keys.idOrNone(normalizeAddress(s.address));
  }
}
