/**
 * The incidents the simulator injects, each with the ground-truth definition
 * a detector is judged against. 'rule' scenarios are ones a rule in rules/
 * names; 'behavioural' ones no rule names: only a model of normal behaviour
 * can find them.
 */

export const RULE_SCENARIOS = [
  'after-hours-bulk',
  'vip-snoop',
  'vendor-over-quota',
  'vendor-baseline-spike',
  'family-snoop',
  'neighbour-snoop',
  'coworker-snoop',
  'self-access',
  'post-termination',
  'deceased-snoop',
  'btg-abuse',
  'sensitive-snoop',
] as const;

export const BEHAVIOURAL_SCENARIOS = ['billing-clinical-browse', 'quiet-exporter', 'out-of-unit-browse'] as const;

export const SCENARIOS = [...RULE_SCENARIOS, ...BEHAVIOURAL_SCENARIOS] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type ScenarioKind = 'rule' | 'behavioural';

export function scenarioKind(scenario: Scenario): ScenarioKind {
  return (BEHAVIOURAL_SCENARIOS as readonly string[]).includes(scenario) ? 'behavioural' : 'rule';
}

export const SCENARIO_DEFINITIONS: Record<Scenario, string> = {
  'after-hours-bulk':
    'A day-shift or office user reads 45-80 distinct patients within 1-3 hours at night (00:00-04:00) or on a weekend they do not work; or a night-shift nurse reads 45-70 distinct patients beyond her own assignment during her shift (5-10x her usual volume).',
  'vip-snoop': 'A clinician with no encounter for the VIP patient in their department (within 3 days) opens the VIP chart during their shift.',
  'vendor-over-quota': "An application pulls 1.3-2.0x its daily_quota of records in one (local) day, the excess within 1-3 hours.",
  'vendor-baseline-spike':
    'An application pulls 6-10x its usual daily records in 2-4 hours while staying under its quota (or it has none).',
  'family-snoop': 'A user opens the chart of a patient with the same family name and the same address as their own, with no care relationship.',
  'neighbour-snoop': 'A user opens the chart of a patient at the same address but with another family name, with no care relationship.',
  'coworker-snoop': 'A user opens the chart of another employee (patient with employee_actor_id), usually from their own department, with no care relationship.',
  'self-access': "A user opens their own chart (the patient whose employee_actor_id is the user's actor id).",
  'post-termination': "A user's account is used 1-2 days after the staff record's terminated_at, from a remote address, on several patients.",
  'deceased-snoop':
    'A clinician, registrar or billing clerk (not HIM) opens the chart of a patient who died 130 days or more earlier, with no care relationship.',
  'btg-abuse': 'A clinician declares break-the-glass 8-16 times in a few hours on patients outside their care, against a norm of about one a week for ED staff and almost never elsewhere.',
  'sensitive-snoop': 'A user reads psychotherapy notes (sensitivity PSYTHPN) of a patient with no behavioural-health encounter involving them.',
  'billing-clinical-browse':
    'A billing clerk reads clinical notes, results and problem lists (DocumentReference, Observation, DiagnosticReport, Condition) of 12-25 patients from many departments with no recent encounter, in business hours, under purpose HPAYMT.',
  'quiet-exporter': 'A registrar, a role that never exports, exports 25-45 single-patient records a day over one or two of their day or evening shifts.',
  'out-of-unit-browse':
    "A day-shift inpatient nurse reads 12-22 patients admitted to other units (2-4 reads each) in daylight during her shift, with no care relationship; no VIPs, employees, relatives or deceased patients.",
};
