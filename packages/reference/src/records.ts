import { z } from 'zod';
import type { RoleMapping } from './role-vocabulary.ts';

/**
 * Reference data rows as loaded from the hospital's CSV exports. Empty cells
 * mean unknown and become null. Times are ISO-8601 UTC strings; dates (birth)
 * are YYYY-MM-DD.
 */

const nullableText = z.string().max(512).nullable();
const nullableTime = z.string().nullable();

export const staffSchema = z.object({
  actorId: z.string().min(1),
  givenName: nullableText,
  familyName: nullableText,
  address: nullableText,
  department: nullableText,
  role: nullableText,
  hiredAt: nullableTime,
  terminatedAt: nullableTime,
});
export type Staff = z.infer<typeof staffSchema>;

export const patientSchema = z.object({
  patientId: z.string().min(1),
  givenName: nullableText,
  familyName: nullableText,
  address: nullableText,
  birthDate: nullableText,
  deceasedAt: nullableTime,
  vip: z.boolean(),
  /** Set when the patient is also an employee: their staff actor id. */
  employeeActorId: nullableText,
});
export type Patient = z.infer<typeof patientSchema>;

export const vendorSchema = z.object({
  clientId: z.string().min(1),
  name: nullableText,
  /** Records the application may pull per day under its contract; null = no quota. */
  dailyQuota: z.number().int().min(0).nullable(),
});
export type Vendor = z.infer<typeof vendorSchema>;

export const encounterSchema = z.object({
  patientId: z.string().min(1),
  department: z.string().min(1),
  start: z.string(),
  /** Null while the encounter is open. */
  end: nullableTime,
});
export type Encounter = z.infer<typeof encounterSchema>;

export interface ReferenceSet {
  staff: Staff[];
  patients: Patient[];
  vendors: Vendor[];
  encounters: Encounter[];
  /** The hospital's role vocabulary (roles.csv); absent or empty: the built-in defaults (role-vocabulary.ts). */
  roles?: RoleMapping[];
}

export function emptyReferenceSet(): ReferenceSet {
  return { staff: [], patients: [], vendors: [], encounters: [] };
}
