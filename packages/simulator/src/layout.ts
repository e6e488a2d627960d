/**
 * The shape of the simulated hospital: departments, who works in them, and
 * when. Department codes are what events carry in actor.department and what
 * encounters.csv carries in department, so "care relationship" can be read as
 * "the patient has an encounter in the actor's department at that time".
 */

export const DEPARTMENTS = [
  'emergency',
  'icu',
  'cardiology',
  'oncology',
  'behavioral-health',
  'pediatrics',
  'medicine',
  'radiology',
  'laboratory',
  'pharmacy',
  'registration',
  'billing',
  'him',
  'it',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

/** Units with beds: inpatient encounters are admissions to one of these. */
export const INPATIENT_UNITS = ['icu', 'cardiology', 'oncology', 'behavioral-health', 'pediatrics', 'medicine'] as const satisfies readonly Department[];
export type InpatientUnit = (typeof INPATIENT_UNITS)[number];

/** Departments whose encounters follow another encounter (orders): they give ancillary staff their care relationship. */
export const ANCILLARY_DEPARTMENTS = ['radiology', 'laboratory', 'pharmacy'] as const satisfies readonly Department[];

export const ROLES = [
  'physician',
  'resident',
  'nurse',
  'therapist',
  'pharmacist',
  'technician',
  'registrar',
  'billing-clerk',
  'him-clerk',
  'it-analyst',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles that treat patients: their legitimate access needs an encounter in their own department. */
export const CLINICAL_ROLES: readonly Role[] = ['physician', 'resident', 'nurse', 'therapist', 'pharmacist', 'technician'];

/**
 * day 07:00-15:30, evening 15:00-23:30, night 23:00-07:30 (next morning);
 * attending 07:00-18:00 (physicians' long day); office 08:00-17:00 Monday-Friday.
 */
export const SHIFTS = ['day', 'evening', 'night', 'attending', 'office'] as const;
export type Shift = (typeof SHIFTS)[number];

export const SHIFT_HOURS: Record<Shift, { start: number; end: number }> = {
  day: { start: 7, end: 15.5 },
  evening: { start: 15, end: 23.5 },
  night: { start: 23, end: 31.5 },
  attending: { start: 7, end: 18 },
  office: { start: 8, end: 17 },
};

export type Roster = 'office' | 'rotating' | 'physician';

export interface StaffingGroup {
  department: Department;
  role: Role;
  /** Head count at the reference size of 260 staff; scaled to the requested size. */
  count: number;
  /** Share of the group on each shift. */
  shifts: Partial<Record<Shift, number>>;
  /** office: Monday-Friday; rotating: 5 days in 7 with a personal pair of days off; physician: weekdays plus one weekend in three. */
  roster: Roster;
}

const NURSING = { day: 0.4, evening: 0.3, night: 0.3 };

export const STAFFING: readonly StaffingGroup[] = [
  { department: 'emergency', role: 'physician', count: 8, shifts: { day: 0.4, evening: 0.3, night: 0.3 }, roster: 'rotating' },
  { department: 'emergency', role: 'resident', count: 4, shifts: { day: 0.5, evening: 0.25, night: 0.25 }, roster: 'rotating' },
  { department: 'emergency', role: 'nurse', count: 24, shifts: NURSING, roster: 'rotating' },
  { department: 'icu', role: 'physician', count: 5, shifts: { attending: 0.8, night: 0.2 }, roster: 'physician' },
  { department: 'icu', role: 'nurse', count: 24, shifts: NURSING, roster: 'rotating' },
  { department: 'cardiology', role: 'physician', count: 7, shifts: { attending: 1 }, roster: 'physician' },
  { department: 'cardiology', role: 'nurse', count: 12, shifts: NURSING, roster: 'rotating' },
  { department: 'oncology', role: 'physician', count: 6, shifts: { attending: 1 }, roster: 'physician' },
  { department: 'oncology', role: 'nurse', count: 12, shifts: NURSING, roster: 'rotating' },
  { department: 'behavioral-health', role: 'physician', count: 4, shifts: { attending: 1 }, roster: 'physician' },
  { department: 'behavioral-health', role: 'therapist', count: 8, shifts: { office: 1 }, roster: 'office' },
  { department: 'behavioral-health', role: 'nurse', count: 8, shifts: NURSING, roster: 'rotating' },
  { department: 'pediatrics', role: 'physician', count: 5, shifts: { attending: 1 }, roster: 'physician' },
  { department: 'pediatrics', role: 'nurse', count: 12, shifts: NURSING, roster: 'rotating' },
  { department: 'medicine', role: 'physician', count: 8, shifts: { attending: 0.85, night: 0.15 }, roster: 'physician' },
  { department: 'medicine', role: 'resident', count: 6, shifts: { attending: 0.7, night: 0.3 }, roster: 'rotating' },
  { department: 'medicine', role: 'nurse', count: 28, shifts: NURSING, roster: 'rotating' },
  { department: 'radiology', role: 'physician', count: 4, shifts: { attending: 0.75, night: 0.25 }, roster: 'rotating' },
  { department: 'radiology', role: 'technician', count: 10, shifts: { day: 0.5, evening: 0.3, night: 0.2 }, roster: 'rotating' },
  { department: 'laboratory', role: 'technician', count: 14, shifts: { day: 0.4, evening: 0.3, night: 0.3 }, roster: 'rotating' },
  { department: 'pharmacy', role: 'pharmacist', count: 10, shifts: { day: 0.5, evening: 0.3, night: 0.2 }, roster: 'rotating' },
  { department: 'registration', role: 'registrar', count: 16, shifts: { day: 0.5, evening: 0.25, night: 0.25 }, roster: 'rotating' },
  { department: 'billing', role: 'billing-clerk', count: 14, shifts: { office: 1 }, roster: 'office' },
  { department: 'him', role: 'him-clerk', count: 6, shifts: { office: 1 }, roster: 'office' },
  { department: 'it', role: 'it-analyst', count: 5, shifts: { office: 1 }, roster: 'office' },
];

export const REFERENCE_STAFF = STAFFING.reduce((sum, g) => sum + g.count, 0);

/** Beds per unit at the reference size (260 staff). */
export const BEDS: Record<InpatientUnit, number> = {
  icu: 14,
  cardiology: 18,
  oncology: 18,
  'behavioral-health': 16,
  pediatrics: 12,
  medicine: 52,
};

/** Length of stay range, days. */
export const LENGTH_OF_STAY: Record<InpatientUnit, [number, number]> = {
  icu: [1.5, 6],
  cardiology: [1.5, 5],
  oncology: [2.5, 8],
  'behavioral-health': [4, 14],
  pediatrics: [1, 4],
  medicine: [1.5, 7],
};

/** Workstation subnets: the third octet of 10.20.x.y per department. */
export function departmentSubnet(department: Department): number {
  return 10 + DEPARTMENTS.indexOf(department);
}
