import type { ReferenceSet } from '@chartwatch/reference';
import type { Clock } from './clock.ts';
import type { Department, Role, Roster, Shift } from './layout.ts';
import type { RoleVocabularyName } from './role-vocabulary.ts';
import type { Scenario } from './scenarios.ts';

/**
 * The simulated hospital as the generator sees it. Times are local ms (see
 * clock.ts); the exported ReferenceSet carries the same facts as UTC ISO
 * strings. Cross-references are array indices, which keeps the per-event
 * hot path free of map look-ups.
 */

export interface SimStaff {
  index: number;
  actorId: string;
  givenName: string;
  familyName: string;
  address: string;
  department: Department;
  role: Role;
  /** The role as this hospital spells it (its role vocabulary): what staff.csv and the events carry. */
  localRole: string;
  shift: Shift;
  roster: Roster;
  /** Rotating roster: the two weekdays (0 = Sunday) this person is off. */
  daysOff: readonly [number, number];
  /** Physician roster: works the weekend of weeks where (week % 3) === weekendTurn. */
  weekendTurn: number;
  /** Weekdays with an outpatient clinic (outpatient physicians only). */
  clinicDays: readonly number[];
  hiredAt: number;
  terminatedAt: number | null;
  /** The staff member's own chart, if they are a patient here. */
  selfPatient: number | null;
  /** Last octet of the usual workstation, 10.20.<dept>.<host>. */
  workstationHost: number;
}

export interface SimPatient {
  index: number;
  patientId: string;
  givenName: string;
  familyName: string;
  address: string;
  birthDate: string;
  ageYears: number;
  deceasedAt: number | null;
  vip: boolean;
  employeeStaff: number | null;
  /** Security labels the chart carries: which sections are sensitive. */
  psy: boolean;
  eth: boolean;
  hiv: boolean;
  /** In a therapist's caseload: the chart holds psychotherapy notes (PSYTHPN). */
  therapyNotes: boolean;
  therapist: number | null;
  portalUser: boolean;
}

export type EncounterKind = 'inpatient' | 'emergency' | 'outpatient' | 'ancillary' | 'history';

export interface SimEncounter {
  index: number;
  patient: number;
  department: Department;
  kind: EncounterKind;
  start: number;
  /** Planned end; exported as null (open) when it lies after the simulated window. */
  end: number;
  /** Responsible clinician (inpatient attending, clinic physician, therapist); null for pooled work. */
  attending: number | null;
  /** For ancillary encounters: the encounter that ordered them. */
  parent: number | null;
}

export interface VendorProfile {
  /** Mean records per day on each weekday (0 = Sunday), before noise. */
  weekly: readonly number[];
  /** Relative activity per local hour 0-23. */
  hourly: readonly number[];
  action: 'query' | 'read' | 'export';
  patientsPerEvent: readonly [number, number];
  recordsPerPatient: readonly [number, number];
  resourceTypes: readonly string[];
  purpose: string;
  /** Which patients the app touches. */
  population: 'recent-encounters' | 'living' | 'portal' | 'radiology' | 'everyone' | 'recent-discharges';
  address: string;
}

export interface SimVendor {
  index: number;
  clientId: string;
  name: string;
  dailyQuota: number | null;
  profile: VendorProfile;
}

export interface PlannedIncident {
  index: number;
  incidentId: string;
  scenario: Scenario;
  /** Shift-day whose generation emits the incident's events. */
  day: number;
  actor: { kind: 'staff'; staff: number } | { kind: 'vendor'; vendor: number };
  /** Target patients chosen at planning (empty when chosen while generating, e.g. vendor pulls). */
  patients: number[];
  /** Local ms window the incident's events are placed in. */
  from: number;
  to: number;
  /** Scenario-specific numbers (volume, factor). */
  params: Record<string, number>;
}

export interface HospitalOptions {
  seed: number;
  staff: number;
  days: number;
  /** YYYY-MM-DD, local date of day 0. */
  start: string;
  /** IANA zone of the hospital's wall clock; default UTC. */
  timezone?: string;
  /** How the hospital spells its roles (role-vocabulary.ts); default plain. Its roles.csv maps them to categories. */
  vocabulary?: RoleVocabularyName;
  /**
   * false: no incidents (clean traffic, e.g. to train a model). A record:
   * incidents per scenario, overriding the default (3 per scenario per 7 days,
   * 4 for after-hours-bulk so both variants appear twice).
   */
  incidents?: boolean | Partial<Record<Scenario, number>>;
  /**
   * First day incidents may happen on (default 0): the days before are ordinary history, e.g. to train a
   * model on a clean past and score the days after. Default counts are then for the days from here on.
   */
  incidentsFrom?: number;
}

export interface Hospital {
  options: Required<Omit<HospitalOptions, 'incidents'>> & { incidents: HospitalOptions['incidents'] };
  clock: Clock;
  staff: SimStaff[];
  patients: SimPatient[];
  vendors: SimVendor[];
  /** Sorted by start. */
  encounters: SimEncounter[];
  encountersByPatient: number[][];
  incidents: PlannedIncident[];
  /** Window end, local ms (days × 24 h). */
  end: number;
  reference: ReferenceSet;
}
