import { householdKey, normalizeAddress } from './household.ts';
import type { Encounter, Patient, ReferenceSet, Staff, Vendor } from './records.ts';
import type { RoleCategory, RoleVocabulary } from './role-vocabulary.ts';
import { roleVocabularyOf } from './role-vocabulary.ts';

const NO_ENCOUNTERS: readonly Encounter[] = Object.freeze([]);
const NO_IDS: readonly string[] = Object.freeze([]);

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * In-memory look-ups over one ReferenceSet for the detector's hot path: every
 * question is a Map get, built once when reference data (re)loads. Immutable:
 * a reload builds a new index and swaps the reference.
 */
export class ReferenceIndex {
  private readonly staffById = new Map<string, Staff>();
  private readonly patientById = new Map<string, Patient>();
  private readonly vendorById = new Map<string, Vendor>();
  private readonly encountersByPatient = new Map<string, Encounter[]>();
  private readonly patientsByHousehold = new Map<string, string[]>();
  private readonly patientsByAddress = new Map<string, string[]>();
  private readonly patientByEmployee = new Map<string, string>();
  /** The hospital's roles.csv, or the built-in vocabulary when it has none. */
  readonly roles: RoleVocabulary;

  constructor(readonly set: ReferenceSet) {
    this.roles = roleVocabularyOf(set.roles);
    for (const s of set.staff) this.staffById.set(s.actorId, s);
    for (const v of set.vendors) this.vendorById.set(v.clientId, v);
    for (const p of set.patients) {
      this.patientById.set(p.patientId, p);
      const household = householdKey(p.address, p.familyName);
      if (household !== null) pushTo(this.patientsByHousehold, household, p.patientId);
      const address = normalizeAddress(p.address);
      if (address !== null) pushTo(this.patientsByAddress, address, p.patientId);
      if (p.employeeActorId !== null) this.patientByEmployee.set(p.employeeActorId, p.patientId);
    }
    for (const e of set.encounters) pushTo(this.encountersByPatient, e.patientId, e);
    // ISO UTC strings of one shape sort as times.
    for (const list of this.encountersByPatient.values()) list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  staff(actorId: string): Staff | undefined {
    return this.staffById.get(actorId);
  }

  /** The categories (role-vocabulary.ts) of a local role code. */
  roleCategories(role: string): readonly RoleCategory[] {
    return this.roles.categoriesOf(role);
  }

  /** Staff roles the vocabulary gives no category, as staff.csv writes them. */
  unmappedRoles(): string[] {
    return this.roles.unmapped(this.set.staff.map((s) => s.role));
  }

  patient(patientId: string): Patient | undefined {
    return this.patientById.get(patientId);
  }

  vendor(clientId: string): Vendor | undefined {
    return this.vendorById.get(clientId);
  }

  /** The patient's encounters, sorted by start. */
  encounters(patientId: string): readonly Encounter[] {
    return this.encountersByPatient.get(patientId) ?? NO_ENCOUNTERS;
  }

  isVip(patientId: string): boolean {
    return this.patientById.get(patientId)?.vip === true;
  }

  /** The patient record of an employee (their own chart), if they are also a patient. */
  patientOfEmployee(actorId: string): string | undefined {
    return this.patientByEmployee.get(actorId);
  }

  /** Household key of a staff member, from the staff directory's address and family name. */
  staffHousehold(actorId: string): string | null {
    const s = this.staffById.get(actorId);
    return s === undefined ? null : householdKey(s.address, s.familyName);
  }

  patientHousehold(patientId: string): string | null {
    const p = this.patientById.get(patientId);
    return p === undefined ? null : householdKey(p.address, p.familyName);
  }

  /** Patients whose household key equals the given one (family members living together). */
  patientsInHousehold(key: string): readonly string[] {
    return this.patientsByHousehold.get(key) ?? NO_IDS;
  }

  /** Patients living at the normalised address of a staff member, whatever their family name (neighbours, lodgers). */
  patientsAtStaffAddress(actorId: string): readonly string[] {
    const address = normalizeAddress(this.staffById.get(actorId)?.address);
    return address === null ? NO_IDS : (this.patientsByAddress.get(address) ?? NO_IDS);
  }

  /**
   * Whether the patient had an encounter open at `time` (ISO UTC), optionally
   * in one department: the care relationship that makes an access expected.
   * `slackMs` widens each encounter on both sides (charts are read before
   * admission and after discharge).
   */
  hasEncounterAt(patientId: string, time: string, options: { department?: string | null; slackMs?: number } = {}): boolean {
    const list = this.encountersByPatient.get(patientId);
    if (list === undefined) return false;
    const at = Date.parse(time);
    const slack = options.slackMs ?? 0;
    const department = options.department ?? null;
    for (const e of list) {
      if (Date.parse(e.start) - slack > at) break;
      if (department !== null && e.department !== department) continue;
      if (e.end === null || Date.parse(e.end) + slack >= at) return true;
    }
    return false;
  }
}
