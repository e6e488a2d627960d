import type { Alert } from './alert.ts';
import { alertIdOf } from './alert-id.ts';
import type { RobustThreshold } from './baseline.ts';
import { formatDuration } from './duration.ts';
import type { EventContext } from './event-context.ts';
import { countOf, formatNumber } from './explanation.ts';
import { formatIso } from './iso-time.ts';
import type { KeyState } from './key-table.ts';
import type { LoadedRule } from './load-rules.ts';
import type { LocalClock } from '@chartwatch/facts';
import type { Measure } from './rule-schema.ts';

type ComparedWith = Alert['comparedWith'];

const MEASURE_LABEL: Record<Measure, string> = {
  events: 'events',
  'distinct-patients': 'distinct patients',
  records: 'records',
};

/** What an alert cites of a window. */
export interface WindowView {
  start: number;
  end: number;
  evidenceCount: number;
  patientCount: number;
  patientIds: string[];
  evidenceIds: string[];
}

/** What the threshold policy judged: the key's own threshold, or the peers-now one when that was crossed. */
export interface Judgement {
  observed: number;
  /** The key's threshold (its row's THRESHOLD), read only when the rule compares with one. */
  threshold: number;
  /** The peers-now threshold when it is the one crossed (above the key's own), else null. */
  now: RobustThreshold | null;
}

/**
 * The alert a window of a key fires: its fields, and the explanation rendered from the same values so
 * the words always agree with the numbers. Its id is derived from (rule, key, window start), so a replay
 * or a redelivery gives the same id.
 */
export function buildAlert(rule: LoadedRule, clock: LocalClock, ctx: EventContext, ks: KeyState, judged: Judgement, w: WindowView): Alert {
  const { observed, now } = judged;
  const keyText =
    rule.key === 'actor+patient' ? `actor=${ks.actorId},patient=${ks.patientId ?? ''}` : rule.key === 'application' ? `application=${ks.actorId}` : `actor=${ks.actorId}`;
  const windowStart = formatIso(w.start);
  const windowEnd = formatIso(w.end);
  const firedAt = formatIso(ctx.t);
  const patientIds = w.patientIds;
  const patientCount = w.patientCount;
  const evidenceEventIds = w.evidenceIds;
  const comparedWith: ComparedWith = now !== null ? 'baseline-peers' : ks.comparedWith;
  const threshold = now !== null ? now.threshold : ks.comparedWith === 'condition' ? null : judged.threshold;
  const baseline = now !== null ? now.center : ks.comparedWith === 'baseline-self' || ks.comparedWith === 'baseline-peers' ? ks.center : null;
  const spread = now !== null ? now.spread : ks.spread;
  const shown = patientIds.slice(0, 5).join(', ') + (patientCount > 5 ? ` and ${patientCount - 5} more` : '');
  const rendered = rule.template.render({
    rule: rule.id,
    title: rule.title,
    severity: rule.severity,
    actor: ks.actorId,
    actorKind: ks.actorKind,
    role: ctx.actor.role ?? ctx.eventRole ?? 'unknown role',
    department: ctx.actor.department ?? ctx.eventDepartment ?? 'unknown department',
    key: keyText,
    patient: patientIds[0] ?? 'unknown patient',
    patients: shown,
    patientCount: String(patientCount),
    measure: MEASURE_LABEL[rule.measure],
    observed: formatNumber(observed),
    threshold: formatNumber(threshold),
    baseline: formatNumber(baseline),
    spread: formatNumber(spread),
    comparedWith,
    // A quota rule fires only for an application with a quota, its threshold.
    quota: formatNumber(rule.threshold?.quota !== undefined ? threshold : null),
    window: formatDuration(rule.window.size),
    // The alert's fields stay ISO UTC for machines; its words are on the hospital's clock.
    windowStart: clock.readable(w.start),
    windowEnd: clock.readable(w.end),
    firedAt: clock.readable(ctx.t),
    evidenceCount: String(w.evidenceCount),
    accesses: countOf(w.evidenceCount, 'access', 'accesses'),
    patientsCounted: countOf(patientCount, 'patient', 'patients'),
    terminatedAt: ctx.actor.terminatedMs === null ? 'no termination on file' : clock.readable(ctx.actor.terminatedMs),
  });
  // A baseline rule judged by its floor had no history to judge by: the analyst is told (a first night, a new account).
  const hasHistorySources = (rule.threshold?.baselines ?? []).some((b) => b.of !== 'peers-now');
  const explanation =
    hasHistorySources && comparedWith === 'fixed' ? `${rendered} Cold start: no history yet for this key or its role, so the rule's floor of ${formatNumber(threshold)} applied.` : rendered;
  return {
    alertId: alertIdOf(rule.id, keyText, windowStart),
    ruleId: rule.id,
    ruleVersion: rule.version,
    detector: 'rule',
    severity: rule.severity,
    title: rule.title,
    key: keyText,
    actorId: ks.actorId,
    actorKind: ks.actorKind,
    patientIds,
    patientCount,
    windowStart,
    windowEnd,
    measure: MEASURE_LABEL[rule.measure],
    observed,
    threshold,
    comparedWith,
    baseline,
    evidenceEventIds,
    evidenceCount: w.evidenceCount,
    explanation,
    score: null,
    modelVersion: null,
    features: [],
    firedAt,
  };
}
