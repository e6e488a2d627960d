/** Response shapes of the API routes the dashboard reads (see /docs for the OpenAPI document). */

export type Role = 'analyst' | 'privacy_officer' | 'vendor_manager' | 'auditor' | 'admin';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type AlertStatus = 'new' | 'investigating' | 'closed';
export type Resolution = 'confirmed' | 'false_positive' | 'benign';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export const STATUSES: readonly AlertStatus[] = ['new', 'investigating', 'closed'];
export const RESOLUTIONS: readonly Resolution[] = ['false_positive', 'benign', 'confirmed'];

export interface Me {
  id: string;
  kind: 'api_key' | 'oidc';
  name: string;
  roles: Role[];
  /** IANA zone the dashboard shows times in: the hospital's (CHARTWATCH_TIMEZONE). */
  timezone: string;
}

export interface Triage {
  alertId: string;
  status: AlertStatus;
  resolution: Resolution | null;
  reason: string;
  assignee: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  version: number;
}

export interface FeatureContribution {
  feature: string;
  value: number;
  peerMedian: number | null;
  contribution: number;
}

export interface Alert {
  alertId: string;
  ruleId: string;
  ruleVersion: number;
  detector: 'rule' | 'model';
  severity: Severity;
  title: string;
  key: string;
  actorId: string;
  actorKind: 'user' | 'application';
  patientIds: string[];
  patientCount: number;
  windowStart: string;
  windowEnd: string;
  measure: string;
  observed: number;
  threshold: number | null;
  comparedWith: string;
  baseline: number | null;
  evidenceEventIds: string[];
  evidenceCount: number;
  explanation: string;
  score: number | null;
  modelVersion: string | null;
  features: FeatureContribution[];
  firedAt: string;
  triage: Triage;
}

export interface PersonName {
  givenName: string | null;
  familyName: string | null;
}

export interface Names {
  actors: Record<string, PersonName>;
  patients: Record<string, PersonName>;
}

export interface AccessEvent {
  eventId: string;
  time: string;
  actor: { id: string; kind: 'user' | 'application'; role: string | null; department: string | null };
  patientIds: string[];
  action: string;
  resourceTypes: string[];
  sensitivity: string[];
  purposeOfUse: string[];
  breakTheGlass: boolean;
  outcome: string;
  records: number;
  sourceSystem: string | null;
  networkAddress: string | null;
}

export interface AlertPage {
  items: Alert[];
  nextCursor: string | null;
  names?: Names;
}

export interface AlertDetail extends Alert {
  evidence: AccessEvent[];
  names?: Names;
}

export interface HistoryEntry {
  version: number;
  at: string;
  principalId: string;
  principalRole: string;
  change: 'status' | 'assignment' | 'comment' | 'suppression';
  from: string;
  to: string;
  reason: string;
  refId: string;
}

export interface Comment {
  commentId: string;
  at: string;
  principalId: string;
  body: string;
}

export interface ActivityBucket {
  start: string;
  events: number;
  distinctPatients: number;
  records: number;
  breakTheGlass: number;
  sensitive: number;
  failures: number;
}

export interface ActorTimeline {
  actorId: string;
  from: string;
  to: string;
  activity: {
    bucket: 'hour' | 'day';
    buckets: ActivityBucket[];
    totals: Omit<ActivityBucket, 'start'>;
    byAction: Record<string, number>;
    bySensitivity: Record<string, number>;
    byPurpose: Record<string, number>;
  } | null;
  events: AccessEvent[];
  nextCursor: string | null;
  names?: Names;
}

export interface ReportAccess {
  time: string;
  eventId: string;
  actor: AccessEvent['actor'] & Partial<PersonName>;
  action: string;
  resourceTypes: string[];
  sensitivity: string[];
  purposeOfUse: string[];
  breakTheGlass: boolean;
  outcome: string;
  records: number;
  sourceSystem: string | null;
  networkAddress: string | null;
  patientsInAccess: number;
}

export interface AccessReport {
  patientId: string;
  patient?: PersonName;
  from: string;
  to: string;
  accesses: ReportAccess[];
  nextCursor: string | null;
}

export interface VendorSummary {
  clientId: string;
  name: string | null;
  dailyQuota: number | null;
  records: number;
  events: number;
  activeDays: number;
  maxDailyRecords: number;
  daysOverQuota: number;
}

export interface DailyUsage {
  day: string;
  records: number;
  events: number;
  distinctPatients: number;
  quota: number | null;
  overQuota: boolean;
  baseline: number | null;
  ratioToBaseline: number | null;
}

export interface VendorUsage {
  from: string;
  to: string;
  vendor: { clientId: string; name: string | null; dailyQuota: number | null };
  days: DailyUsage[];
  totals: { records: number; events: number; daysOverQuota: number; peakDay: string | null; peakRecords: number };
}

export interface AuditRow {
  at: string;
  requestId: string;
  principalId: string;
  role: string;
  routeId: string;
  method: string;
  urlPath: string;
  patientIds: string[];
  alertIds: string[];
  actorIds: string[];
  ip: string;
  status: number;
}

/** GET /actors/{actorId}/peers: one actor against the median and 90th percentile of their role's active peers. */
export interface PeerMetric {
  name: string;
  unit: 'per day' | 'share' | 'days';
  actor: number;
  peerMedian: number | null;
  peerP90: number | null;
}

export interface ActorPeers {
  actorId: string;
  from: string;
  to: string;
  timezone: string;
  role: string | null;
  peerGroup: { by: 'role'; role: string; size: number } | null;
  actorEvents: number;
  metrics: PeerMetric[];
}

/** GET /patients?q= and GET /patients/:id (packages/store/src/api/patient-lookup.ts). */
export interface PatientMatch {
  patientId: string;
  givenName: string | null;
  familyName: string | null;
  birthDate: string | null;
  vip: boolean;
  deceased: boolean;
}

export interface PatientProfile extends PatientMatch {
  inDirectory: boolean;
  accessed: boolean;
}

export interface PatientAlertRef {
  alertId: string;
  ruleId: string;
  title: string;
  severity: string;
  actorId: string;
  firedAt: string;
}

export interface PatientSearchResult {
  items: PatientMatch[];
  byName: boolean;
}

export interface PatientDetail {
  patient: PatientProfile;
  alerts: PatientAlertRef[];
}

/** GET /suppression-review, POST /suppressions/backtest (packages/store/src/api/suppression-review.ts). */
export interface SuppressionView {
  suppressionId: string;
  ruleId: string;
  actorId: string;
  patientId: string | null;
  expiresAt: string;
  createdAt: string;
  createdBy: string;
  reason: string;
  sourceAlertId: string;
  revokedAt: string | null;
  revokedBy: string;
}

export interface SuppressionReviewItem {
  suppression: SuppressionView;
  state: 'active' | 'expired' | 'lifted';
  hidden: number;
  lastHiddenAt: string | null;
}

export interface SuppressionReview {
  principals: Record<string, string>;
  items: SuppressionReviewItem[];
}

export interface SuppressionHitView {
  alertId: string;
  ruleId: string;
  actorId: string;
  patientIds: string[];
  severity: string;
  title: string;
  firedAt: string;
}

export interface BacktestAlert {
  alertId: string;
  title: string;
  severity: string;
  patientIds: string[];
  patientCount: number;
  firedAt: string;
  status: AlertStatus;
  resolution: Resolution | null;
}

export interface SuppressionBacktest {
  from: string;
  to: string;
  alerts: BacktestAlert[];
  confirmed: number;
  truncated: boolean;
}

/** GET /precision (packages/store/src/api/rule-precision.ts). */
export interface PrecisionWeek {
  week: string;
  alerts: number;
  closed: number;
  confirmed: number;
  precision: number | null;
}

export interface RulePrecision {
  ruleId: string;
  detector: 'rule' | 'model';
  alerts: number;
  open: number;
  closed: number;
  confirmed: number;
  falsePositive: number;
  benign: number;
  precision: number | null;
  medianTimeToCloseMs: number | null;
  weeks: PrecisionWeek[];
}

export interface PrecisionReport {
  from: string;
  to: string;
  rules: RulePrecision[];
}

/** GET /api-keys, POST /api-keys (services/api/src/auth/key-admin.ts). */
export interface ApiKeyView {
  keyId: string;
  name: string;
  role: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string;
}

/** GET /cases (packages/store/src/api/alert-cases.ts). */
export interface AlertCase {
  caseId: string;
  by: 'actor' | 'patient';
  subject: string;
  firstFiredAt: string;
  lastFiredAt: string;
  severity: string;
  alerts: Alert[];
}
