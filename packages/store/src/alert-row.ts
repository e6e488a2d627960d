import type { Alert, FeatureContribution } from '@chartwatch/detect';
import { fromEpochMillis, toClickHouseTime } from './clickhouse-time.ts';

export interface AlertRow {
  alert_id: string;
  rule_id: string;
  rule_version: number;
  detector: string;
  severity: string;
  title: string;
  alert_key: string;
  actor_id: string;
  actor_kind: string;
  patient_ids: string[];
  patient_count: number;
  window_start: string;
  window_end: string;
  measure: string;
  observed: number;
  threshold: number | null;
  compared_with: string;
  baseline: number | null;
  evidence_event_ids: string[];
  evidence_count: number;
  explanation: string;
  score: number | null;
  model_version: string | null;
  /** FeatureContribution[] as JSON text: read whole, never queried by part. */
  features: string;
  fired_at: string;
}

export type StoredAlertRow = Omit<AlertRow, 'window_start' | 'window_end' | 'fired_at'> & {
  window_start_ms: number | string;
  window_end_ms: number | string;
  fired_at_ms: number | string;
};

export function alertToRow(a: Alert): AlertRow {
  return {
    alert_id: a.alertId,
    rule_id: a.ruleId,
    rule_version: a.ruleVersion,
    detector: a.detector,
    severity: a.severity,
    title: a.title,
    alert_key: a.key,
    actor_id: a.actorId,
    actor_kind: a.actorKind,
    patient_ids: a.patientIds,
    patient_count: a.patientCount,
    window_start: toClickHouseTime(a.windowStart),
    window_end: toClickHouseTime(a.windowEnd),
    measure: a.measure,
    observed: a.observed,
    threshold: a.threshold,
    compared_with: a.comparedWith,
    baseline: a.baseline,
    evidence_event_ids: a.evidenceEventIds,
    evidence_count: a.evidenceCount,
    explanation: a.explanation,
    score: a.score,
    model_version: a.modelVersion,
    features: JSON.stringify(a.features),
    fired_at: toClickHouseTime(a.firedAt),
  };
}

export const ALERT_COLUMNS = `alert_id, rule_id, rule_version, detector, severity, title, alert_key, actor_id, actor_kind,
  patient_ids, patient_count, toUnixTimestamp64Milli(window_start) AS window_start_ms,
  toUnixTimestamp64Milli(window_end) AS window_end_ms, measure, observed, threshold, compared_with, baseline,
  evidence_event_ids, evidence_count, explanation, score, model_version, features,
  toUnixTimestamp64Milli(fired_at) AS fired_at_ms`;

const nullableNumber = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function rowToAlert(r: StoredAlertRow): Alert {
  // Enum-typed fields were validated by alertSchema's producer before they were written.
  return {
    alertId: r.alert_id,
    ruleId: r.rule_id,
    ruleVersion: Number(r.rule_version),
    detector: r.detector as Alert['detector'],
    severity: r.severity as Alert['severity'],
    title: r.title,
    key: r.alert_key,
    actorId: r.actor_id,
    actorKind: r.actor_kind as Alert['actorKind'],
    patientIds: r.patient_ids,
    patientCount: Number(r.patient_count),
    windowStart: fromEpochMillis(r.window_start_ms),
    windowEnd: fromEpochMillis(r.window_end_ms),
    measure: r.measure,
    observed: Number(r.observed),
    threshold: nullableNumber(r.threshold),
    comparedWith: r.compared_with as Alert['comparedWith'],
    baseline: nullableNumber(r.baseline),
    evidenceEventIds: r.evidence_event_ids,
    evidenceCount: Number(r.evidence_count),
    explanation: r.explanation,
    score: nullableNumber(r.score),
    modelVersion: r.model_version,
    features: JSON.parse(r.features) as FeatureContribution[],
    firedAt: fromEpochMillis(r.fired_at_ms),
  };
}
