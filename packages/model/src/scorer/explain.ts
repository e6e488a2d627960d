import type { ActorKind } from '@chartwatch/event';
import type { FeatureContribution } from '@chartwatch/detect';
import type { FeatureName } from '../features/feature-names.ts';

/**
 * Model alerts in words an analyst reads in five seconds: who, when, the
 * few features that made the row stand out with the actor's value, the same
 * phrase for the peers' median, and the score against the threshold.
 *
 *   Billing clerk u10273 on 2026-03-04: 22% of events on clinical records,
 *   58 patients, patients from 8 departments; peers (billing clerk, median):
 *   0% of events on clinical records, 26 patients, patients from 6
 *   departments. Score 0.71 > 0.62 (model v3).
 */

const percent = (v: number): string => `${Math.round(v * 100)}%`;
const count = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const plural = (v: number, one: string, many: string): string => `${count(v)} ${v === 1 ? one : many}`;

const PHRASES: Record<FeatureName, (v: number) => string> = {
  events: (v) => plural(v, 'event', 'events'),
  patients: (v) => plural(v, 'patient', 'patients'),
  afterHoursShare: (v) => `${percent(v)} of events after hours`,
  departments: (v) => `patients from ${plural(v, 'department', 'departments')}`,
  noCareShare: (v) => `${percent(v)} of patients without a care relationship`,
  sensitiveShare: (v) => `${percent(v)} of events on sensitive records`,
  clinicalShare: (v) => `${percent(v)} of events on clinical records`,
  exports: (v) => plural(v, 'export', 'exports'),
  prints: (v) => plural(v, 'print', 'prints'),
  newPatientShare: (v) => `${percent(v)} of patients new to them`,
  records: (v) => plural(v, 'record pulled', 'records pulled'),
  noCarePatients: (v) => `${plural(v, 'patient', 'patients')} without a care relationship`,
  otherDepartmentShare: (v) => `${percent(v)} of patients from other departments`,
  noCarePatients7d: (v) => `${plural(v, 'patient', 'patients')} without a care relationship over 7 days`,
  noCareRepeatPatients: (v) => `${plural(v, 'patient', 'patients')} opened without a care relationship again on another day`,
  exports7d: (v) => `${plural(v, 'export', 'exports')} over 7 days`,
  newDepartments: (v) => `patients from ${plural(v, 'department', 'departments')} not reached in the days before`,
};

const ROLE_PHRASE = (v: number): string => (v < 0 ? 'a role not seen in training' : 'their role');

export function describeFeature(feature: string, value: number): string {
  const phrase = (PHRASES as Record<string, ((v: number) => string) | undefined>)[feature];
  return phrase === undefined ? (feature === 'role' ? ROLE_PHRASE(value) : `${feature} ${count(value)}`) : phrase(value);
}

export interface ExplanationInput {
  actorId: string;
  actorKind: ActorKind;
  group: string;
  /** The peer group the medians are of ("billing clerk", or "all staff" for a role unseen in training). */
  peers: string;
  /** "2026-03-04", or "2026-03-04 10:00-11:00" for an hour window, on the hospital's clock. */
  when: string;
  top: readonly FeatureContribution[];
  score: number;
  threshold: number;
  modelVersion: string;
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

export function explainModelAlert(x: ExplanationInput): string {
  const who = x.actorKind === 'application' ? `Application ${x.actorId}` : `${capitalise(x.group)} ${x.actorId}`;
  const peersLabel = x.actorKind === 'application' ? 'its own days' : x.peers;
  const mine = x.top.map((f) => describeFeature(f.feature, f.value)).join(', ');
  const theirs = x.top
    .filter((f) => f.peerMedian !== null)
    .map((f) => describeFeature(f.feature, f.peerMedian as number))
    .join(', ');
  const peers = theirs === '' ? '' : `; ${x.actorKind === 'application' ? 'usually' : 'peers'} (${peersLabel}, median): ${theirs}`;
  return `${who} on ${x.when}: ${mine}${peers}. Score ${x.score.toFixed(2)} > ${x.threshold.toFixed(2)} (model ${x.modelVersion}).`;
}
