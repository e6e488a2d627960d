import type { ReferenceSet } from '@chartwatch/reference';
import { stringify } from 'csv-stringify/sync';

/** The reference CSVs as the hospital's directory exports would hold them; empty cell = null. */
export interface ReferenceCsv {
  'staff.csv': string;
  'patients.csv': string;
  'vendors.csv': string;
  'encounters.csv': string;
  'roles.csv': string;
}

const cell = (v: string | number | null): string => (v === null ? '' : String(v));

export function referenceToCsv(reference: ReferenceSet): ReferenceCsv {
  return {
    'staff.csv': stringify(
      reference.staff.map((s) => [s.actorId, s.givenName, s.familyName, s.address, s.department, s.role, s.hiredAt, s.terminatedAt].map(cell)),
      { header: true, columns: ['actor_id', 'given_name', 'family_name', 'address', 'department', 'role', 'hired_at', 'terminated_at'] },
    ),
    'patients.csv': stringify(
      reference.patients.map((p) => [p.patientId, p.givenName, p.familyName, p.address, p.birthDate, p.deceasedAt, p.vip ? 'true' : 'false', p.employeeActorId].map(cell)),
      { header: true, columns: ['patient_id', 'given_name', 'family_name', 'address', 'birth_date', 'deceased_at', 'vip', 'employee_actor_id'] },
    ),
    'vendors.csv': stringify(
      reference.vendors.map((v) => [v.clientId, v.name, v.dailyQuota].map(cell)),
      { header: true, columns: ['client_id', 'name', 'daily_quota'] },
    ),
    'encounters.csv': stringify(
      reference.encounters.map((e) => [e.patientId, e.department, e.start, e.end].map(cell)),
      { header: true, columns: ['patient_id', 'department', 'start', 'end'] },
    ),
    // The role vocabulary: each local role code and its categories (what rules name), `;`-separated.
    'roles.csv': stringify(
      (reference.roles ?? []).map((m) => [m.role, m.categories.join(';')]),
      { header: true, columns: ['role', 'categories'] },
    ),
  };
}
