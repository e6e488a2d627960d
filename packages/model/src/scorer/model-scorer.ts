import type { Alert, CareOptions, FeatureContribution, ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import { alertIdOf, MAX_EVIDENCE_IDS } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import type { AccessFacts } from '../features/access-facts.ts';
import { createAccessFacts } from '../features/access-facts.ts';
import type { FeatureOptions } from '../features/feature-accumulator.ts';
import { DEFAULT_FEATURE_OPTIONS, FeatureAccumulator, windowMs } from '../features/feature-accumulator.ts';
import type { FeatureName } from '../features/feature-names.ts';
import { FEATURE_NAMES } from '../features/feature-names.ts';
import type { FeatureRow } from '../features/feature-row.ts';
import {
  EVIDENCE_AFTER_HOURS,
  EVIDENCE_CLINICAL,
  EVIDENCE_EXPORT,
  EVIDENCE_NEW_PATIENT,
  EVIDENCE_NO_CARE,
  EVIDENCE_OTHER_DEPARTMENT,
  EVIDENCE_PRINT,
  EVIDENCE_SENSITIVE,
} from '../features/feature-row.ts';
import type { BehaviourModel } from './behaviour-model.ts';
import { explainModelAlert } from './explain.ts';
import { ModelHolder } from './model-holder.ts';

export const MODEL_RULE_ID = 'behaviour-model';
const TITLE = "Behaviour unlike the actor's peers";
/** A score this far above the threshold is 'high' severity; below, 'medium'. */
const HIGH_MARGIN = 0.1;

export interface ModelScorerOptions {
  /** A model, or a holder whose model may be swapped while the scorer runs. */
  model: BehaviourModel | ModelHolder;
  reference: ReferenceLookup;
  /** The hospital's IANA zone. Default: the zone the model was trained in. */
  timezone?: string;
  care?: Partial<CareOptions>;
  /** Features named in an alert, by contribution. Default 3. */
  topFeatures?: number;
  /** Answers about accesses; default the detector's care relationship and clock over `reference`. */
  facts?: AccessFacts;
}

export interface ModelScorerStats {
  /** Windows closed, complete ones (scored when a model was held), and alerts raised. */
  windows: number;
  scored: number;
  alerts: number;
  /** Windows above the threshold left without a model alert because a rule alerted on the actor in that window. */
  leftToRules: number;
  /** Complete windows left unscored: no model held, the held one computes features differently, or it does not judge the group (an application without history of its own). */
  unscored: number;
  late: number;
  modelVersion: string | null;
}

export interface ModelScorer extends ReplayScorer {
  /** An idle stream's clock reached `timeMs`: closes the windows the watermark passed. */
  advanceTo(timeMs: number): readonly Alert[];
  setReference(reference: ReferenceLookup): void;
  stats(): ModelScorerStats;
}

const EVIDENCE_OF: Partial<Record<FeatureName, number>> = {
  afterHoursShare: EVIDENCE_AFTER_HOURS,
  noCareShare: EVIDENCE_NO_CARE,
  noCarePatients: EVIDENCE_NO_CARE,
  sensitiveShare: EVIDENCE_SENSITIVE,
  clinicalShare: EVIDENCE_CLINICAL,
  exports: EVIDENCE_EXPORT,
  prints: EVIDENCE_PRINT,
  newPatientShare: EVIDENCE_NEW_PATIENT,
  departments: EVIDENCE_OTHER_DEPARTMENT,
  otherDepartmentShare: EVIDENCE_OTHER_DEPARTMENT,
  noCarePatients7d: EVIDENCE_NO_CARE,
  noCareRepeatPatients: EVIDENCE_NO_CARE,
  exports7d: EVIDENCE_EXPORT,
  newDepartments: EVIDENCE_OTHER_DEPARTMENT,
};

const NO_ALERTS: readonly Alert[] = Object.freeze([]) as readonly Alert[];

function sameFeatureOptions(a: FeatureOptions, b: FeatureOptions): boolean {
  return a.window === b.window && a.noveltyDays === b.noveltyDays && a.allowedLatenessMs === b.allowedLatenessMs;
}

/**
 * A ReplayScorer (the seam replayEvents and the detector share) that turns
 * the event stream into feature rows, scores each complete actor-window with
 * the held model, and raises a model alert for each whose score is above the
 * model's threshold, unless a rule already alerted on the actor in that
 * window (noteRuleAlerts): the analyst has that actor-day in the queue, and
 * the model is there for what rules cannot see. Alert ids depend on the actor and the window only, so a
 * replay, a redelivery or a newer model version never duplicates an alert.
 */
export function createModelScorer(options: ModelScorerOptions): ModelScorer {
  const holder = options.model instanceof ModelHolder ? options.model : new ModelHolder(options.model);
  const first = holder.current();
  const timezone = options.timezone ?? first?.json.timezone ?? 'UTC';
  const featureOptions = first?.featureOptions ?? DEFAULT_FEATURE_OPTIONS;
  const facts = options.facts ?? createAccessFacts({ reference: options.reference, timezone, ...(options.care ? { care: options.care } : {}) });
  const acc = new FeatureAccumulator({ facts, ...featureOptions });
  const topFeatures = options.topFeatures ?? 3;
  const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const hourFormat = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const counts = { windows: 0, scored: 0, alerts: 0, unscored: 0, leftToRules: 0 };
  /** Rule alerts' spans by actor [start, end, …] (UTC ms), pruned once they are older than any window still open. */
  const ruleSpans = new Map<string, number[]>();
  let ruleSpanCount = 0;
  const ruleAlerted = (row: FeatureRow): boolean => {
    const spans = ruleSpans.get(row.actorId);
    if (spans === undefined) return false;
    for (let i = 0; i < spans.length; i += 2) if ((spans[i] as number) < row.windowEnd && (spans[i + 1] as number) > row.windowStart) return true;
    return false;
  };
  const pruneRuleSpans = (beforeMs: number): void => {
    ruleSpanCount = 0;
    for (const [actor, spans] of ruleSpans) {
      const kept: number[] = [];
      for (let i = 0; i < spans.length; i += 2) if ((spans[i + 1] as number) >= beforeMs) kept.push(spans[i] as number, spans[i + 1] as number);
      if (kept.length === 0) ruleSpans.delete(actor);
      else ruleSpans.set(actor, kept);
      ruleSpanCount += kept.length / 2;
    }
  };
  let lastVersion: string | null = first?.version ?? null;
  let newestMs = Number.NEGATIVE_INFINITY;

  const when = (row: FeatureRow): string => {
    const day = dayFormat.format(row.windowStart);
    return featureOptions.window === 'day' ? day : `${day} ${hourFormat.format(row.windowStart)}-${hourFormat.format(row.windowEnd)}`;
  };

  const judge = (rows: readonly FeatureRow[], firedAtMs: number): readonly Alert[] => {
    if (rows.length === 0) return NO_ALERTS;
    let out: Alert[] | null = null;
    for (const row of rows) {
      counts.windows++;
      if (!row.complete) continue;
      const model = holder.current();
      if (model === null || !sameFeatureOptions(model.featureOptions, featureOptions)) {
        counts.unscored++;
        continue;
      }
      lastVersion = model.version;
      const s = model.score(row.values, row.group);
      if (s === null) {
        counts.unscored++;
        continue;
      }
      counts.scored++;
      if (!(s.score > model.threshold)) continue;
      if (ruleAlerted(row)) {
        counts.leftToRules++;
        continue;
      }
      (out ??= []).push(toAlert(model, row, s.score, s.contributions, s.medians, s.peers, firedAtMs));
      counts.alerts++;
    }
    return out ?? NO_ALERTS;
  };

  const toAlert = (model: BehaviourModel, row: FeatureRow, score: number, contributions: Float64Array, medians: readonly number[], peers: string, firedAtMs: number): Alert => {
    const columns = model.json.features;
    const order = columns.map((_, i) => i).sort((a, b) => (contributions[b] as number) - (contributions[a] as number) || a - b);
    const top: FeatureContribution[] = order.slice(0, Math.min(topFeatures, columns.length)).map((i) => {
      const feature = columns[i] as string;
      const c = FEATURE_NAMES.indexOf(feature as FeatureName);
      return {
        feature,
        value: c < 0 ? (model.modelRow(row.values, row.group)[i] as number) : (row.values[c] as number),
        peerMedian: c < 0 ? null : (medians[c] as number),
        contribution: contributions[i] as number,
      };
    });
    const key = `actor=${row.actorId}`;
    const windowStart = new Date(row.windowStart).toISOString();
    return {
      alertId: alertIdOf(MODEL_RULE_ID, key, windowStart),
      ruleId: MODEL_RULE_ID,
      ruleVersion: model.json.featureSetVersion,
      detector: 'model',
      severity: score >= model.threshold + HIGH_MARGIN ? 'high' : 'medium',
      title: TITLE,
      key,
      actorId: row.actorId,
      actorKind: row.actorKind,
      patientIds: [...row.patientIds],
      patientCount: row.patientCount,
      windowStart,
      windowEnd: new Date(row.windowEnd).toISOString(),
      measure: 'anomaly score',
      observed: score,
      threshold: model.threshold,
      comparedWith: 'model',
      baseline: null,
      evidenceEventIds: pickEvidence(row, top),
      evidenceCount: row.evidenceCount,
      explanation: explainModelAlert({
        actorId: row.actorId,
        actorKind: row.actorKind,
        group: row.group,
        peers,
        when: when(row),
        top,
        score,
        threshold: model.threshold,
        modelVersion: model.version,
      }),
      score,
      modelVersion: model.version,
      features: top,
      firedAt: new Date(firedAtMs).toISOString(),
    };
  };

  return {
    name: MODEL_RULE_ID,
    process(event: AccessEvent): readonly Alert[] {
      const t = Date.parse(event.time);
      if (t > newestMs) newestMs = t;
      return judge(acc.add(event), newestMs);
    },
    noteRuleAlerts(alerts: readonly Alert[]): void {
      for (const a of alerts) {
        if (a.detector !== 'rule') continue;
        const span: [number, number] = [Date.parse(a.windowStart), Date.parse(a.windowEnd)];
        const list = ruleSpans.get(a.actorId);
        if (list === undefined) ruleSpans.set(a.actorId, span);
        else list.push(...span);
        ruleSpanCount++;
      }
      // Bounded: spans older than two windows and the lateness cannot touch a window still open.
      if (ruleSpanCount > 4096) pruneRuleSpans(newestMs - 2 * windowMs(featureOptions.window) - featureOptions.allowedLatenessMs);
    },
    advanceTo(timeMs: number): readonly Alert[] {
      if (timeMs > newestMs) newestMs = timeMs;
      return judge(acc.closeUntil(timeMs - featureOptions.allowedLatenessMs), newestMs);
    },
    flush(): readonly Alert[] {
      return judge(acc.flush(), newestMs);
    },
    setReference(reference: ReferenceLookup): void {
      acc.setReference(reference);
    },
    stats(): ModelScorerStats {
      return { ...counts, late: acc.stats().late, modelVersion: holder.current()?.version ?? lastVersion };
    },
  };
}

/** Evidence for the top features first (events that showed them), then anything else kept, up to MAX_EVIDENCE_IDS. */
function pickEvidence(row: FeatureRow, top: readonly FeatureContribution[]): string[] {
  let wanted = 0;
  for (const f of top) wanted |= EVIDENCE_OF[f.feature as FeatureName] ?? 0;
  const out: string[] = [];
  const rest: string[] = [];
  row.evidenceIds.forEach((id, i) => {
    if (wanted !== 0 && ((row.evidenceMasks[i] as number) & wanted) !== 0) {
      if (out.length < MAX_EVIDENCE_IDS) out.push(id);
    } else if (rest.length < MAX_EVIDENCE_IDS) {
      rest.push(id);
    }
  });
  for (const id of rest) {
    if (out.length >= MAX_EVIDENCE_IDS) break;
    out.push(id);
  }
  return out;
}
