import type { Alert } from '@chartwatch/detect';
import type { Label } from './label.ts';
import type { Scenario, ScenarioKind } from './scenarios.ts';
import { SCENARIOS, scenarioKind } from './scenarios.ts';

/**
 * Judges alerts against ground-truth labels. An alert matches an incident
 * when it names the same actor and its window, widened by its own length on
 * both sides, overlaps the incident's [start, end]; or when its evidence
 * event ids include one of the incident's events. Matching ignores which
 * rule fired: a VIP alert on an after-hours sweep that opened a VIP chart is
 * a true alert.
 */

export interface ScoreContext {
  /** Distinct (actor, day) pairs in the scored traffic: the false-alert rate's denominator. */
  actorDays: number;
}

type Detector = Alert['detector'];

export interface ScenarioScore {
  scenario: Scenario;
  kind: ScenarioKind;
  incidents: number;
  detected: number;
  recall: number | null;
  detectedByRule: number;
  detectedByModel: number;
  /** Rule ids (or "model") whose alerts matched an incident of this scenario. */
  matchedBy: string[];
}

export interface DetectorScore {
  alerts: number;
  matched: number;
  false: number;
  precision: number | null;
  falsePer1000ActorDays: number | null;
}

export interface RuleScore extends DetectorScore {
  ruleId: string;
  detector: Detector;
}

export interface MissedIncident {
  incidentId: string;
  scenario: Scenario;
  actorId: string;
  start: string;
}

export interface ScoreReport {
  alerts: number;
  matchedAlerts: number;
  falseAlerts: number;
  precision: number | null;
  incidents: number;
  detected: number;
  recall: number | null;
  /** Recall over rule scenarios (any detector) and behavioural ones (any, and the model alone). */
  recallRuleScenarios: number | null;
  recallBehavioural: number | null;
  recallBehaviouralByModel: number | null;
  actorDays: number;
  falsePer1000ActorDays: number | null;
  byScenario: ScenarioScore[];
  byDetector: Record<Detector, DetectorScore>;
  byRule: RuleScore[];
  missed: MissedIncident[];
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

function detectorScore(alerts: number, matched: number, actorDays: number): DetectorScore {
  const falseAlerts = alerts - matched;
  return {
    alerts,
    matched,
    false: falseAlerts,
    precision: ratio(matched, alerts),
    falsePer1000ActorDays: actorDays > 0 ? (falseAlerts / actorDays) * 1000 : null,
  };
}

/** Indices of the labels an alert matches. */
export function matchAlert(alert: Pick<Alert, 'actorId' | 'windowStart' | 'windowEnd' | 'evidenceEventIds'>, labels: readonly Label[], byEvent?: Map<string, number[]>): number[] {
  const matched = new Set<number>();
  const index = byEvent ?? eventIndex(labels);
  for (const id of alert.evidenceEventIds) for (const i of index.get(id) ?? []) matched.add(i);
  const ws = Date.parse(alert.windowStart);
  const we = Date.parse(alert.windowEnd);
  const length = Math.max(0, we - ws);
  labels.forEach((label, i) => {
    if (label.actorId !== alert.actorId) return;
    const ls = Date.parse(label.start);
    const le = Date.parse(label.end);
    if (ws - length <= le && we + length >= ls) matched.add(i);
  });
  return [...matched].sort((a, b) => a - b);
}

function eventIndex(labels: readonly Label[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  labels.forEach((label, i) => {
    for (const id of label.eventIds) {
      const list = index.get(id);
      if (list) list.push(i);
      else index.set(id, [i]);
    }
  });
  return index;
}

export function scoreAlerts(alerts: readonly Alert[], labels: readonly Label[], context: ScoreContext): ScoreReport {
  const byEvent = eventIndex(labels);
  const hitBy: Set<string>[] = labels.map(() => new Set());
  const hitByDetector: Set<Detector>[] = labels.map(() => new Set());
  const ruleStats = new Map<string, { detector: Detector; alerts: number; matched: number }>();
  const detectorStats: Record<Detector, { alerts: number; matched: number }> = { rule: { alerts: 0, matched: 0 }, model: { alerts: 0, matched: 0 } };
  let matchedAlerts = 0;

  for (const alert of alerts) {
    const hits = matchAlert(alert, labels, byEvent);
    const ruleKey = alert.detector === 'model' ? `model:${alert.ruleId}` : alert.ruleId;
    let stats = ruleStats.get(ruleKey);
    if (!stats) ruleStats.set(ruleKey, (stats = { detector: alert.detector, alerts: 0, matched: 0 }));
    stats.alerts++;
    detectorStats[alert.detector].alerts++;
    if (hits.length === 0) continue;
    matchedAlerts++;
    stats.matched++;
    detectorStats[alert.detector].matched++;
    for (const i of hits) {
      (hitBy[i] as Set<string>).add(alert.detector === 'model' ? 'model' : alert.ruleId);
      (hitByDetector[i] as Set<Detector>).add(alert.detector);
    }
  }

  const byScenario: ScenarioScore[] = [];
  for (const scenario of SCENARIOS) {
    const mine = labels.map((l, i) => ({ l, i })).filter((x) => x.l.scenario === scenario);
    if (mine.length === 0) continue;
    const detected = mine.filter((x) => (hitBy[x.i] as Set<string>).size > 0).length;
    const matchedBy = new Set<string>();
    for (const x of mine) for (const r of hitBy[x.i] as Set<string>) matchedBy.add(r);
    byScenario.push({
      scenario,
      kind: scenarioKind(scenario),
      incidents: mine.length,
      detected,
      recall: ratio(detected, mine.length),
      detectedByRule: mine.filter((x) => (hitByDetector[x.i] as Set<Detector>).has('rule')).length,
      detectedByModel: mine.filter((x) => (hitByDetector[x.i] as Set<Detector>).has('model')).length,
      matchedBy: [...matchedBy].sort(),
    });
  }

  const detectedAll = labels.filter((_, i) => (hitBy[i] as Set<string>).size > 0).length;
  const ruleLabels = labels.map((l, i) => ({ l, i })).filter((x) => scenarioKind(x.l.scenario) === 'rule');
  const behavioural = labels.map((l, i) => ({ l, i })).filter((x) => scenarioKind(x.l.scenario) === 'behavioural');
  const actorDays = context.actorDays;
  const falseAlerts = alerts.length - matchedAlerts;

  return {
    alerts: alerts.length,
    matchedAlerts,
    falseAlerts,
    precision: ratio(matchedAlerts, alerts.length),
    incidents: labels.length,
    detected: detectedAll,
    recall: ratio(detectedAll, labels.length),
    recallRuleScenarios: ratio(ruleLabels.filter((x) => (hitBy[x.i] as Set<string>).size > 0).length, ruleLabels.length),
    recallBehavioural: ratio(behavioural.filter((x) => (hitBy[x.i] as Set<string>).size > 0).length, behavioural.length),
    recallBehaviouralByModel: ratio(behavioural.filter((x) => (hitByDetector[x.i] as Set<Detector>).has('model')).length, behavioural.length),
    actorDays,
    falsePer1000ActorDays: actorDays > 0 ? (falseAlerts / actorDays) * 1000 : null,
    byScenario,
    byDetector: {
      rule: detectorScore(detectorStats.rule.alerts, detectorStats.rule.matched, actorDays),
      model: detectorScore(detectorStats.model.alerts, detectorStats.model.matched, actorDays),
    },
    byRule: [...ruleStats]
      .map(([ruleId, s]) => ({ ruleId, detector: s.detector, ...detectorScore(s.alerts, s.matched, actorDays) }))
      .sort((a, b) => (a.ruleId < b.ruleId ? -1 : 1)),
    missed: labels
      .filter((_, i) => (hitBy[i] as Set<string>).size === 0)
      .map((l) => ({ incidentId: l.incidentId, scenario: l.scenario, actorId: l.actorId, start: l.start })),
  };
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, digits = 2): string => (v === null ? 'n/a' : v.toFixed(digits));

/** A table a person reads: per scenario, per rule, and the totals. */
export function formatScoreTable(report: ScoreReport): string {
  const lines: string[] = [];
  const row = (cells: string[], widths: number[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  const sw = [26, 12, 9, 8, 8, 6, 6];
  lines.push(row(['scenario', 'kind', 'incidents', 'detected', 'recall', 'rule', 'model'], sw) + '  matched by');
  for (const s of report.byScenario) {
    lines.push(row([s.scenario, s.kind, String(s.incidents), String(s.detected), pct(s.recall), String(s.detectedByRule), String(s.detectedByModel)], sw) + `  ${s.matchedBy.join(', ')}`);
  }
  lines.push('');
  const rw = [28, 6, 7, 8, 6, 10, 12];
  lines.push(row(['rule', 'kind', 'alerts', 'matched', 'false', 'precision', 'false/1k ad'], rw));
  for (const r of report.byRule) lines.push(row([r.ruleId, r.detector, String(r.alerts), String(r.matched), String(r.false), pct(r.precision), num(r.falsePer1000ActorDays)], rw));
  lines.push('');
  lines.push(`alerts ${report.alerts}, matched ${report.matchedAlerts}, false ${report.falseAlerts}, precision ${pct(report.precision)}`);
  lines.push(`incidents ${report.incidents}, detected ${report.detected}, recall ${pct(report.recall)} (rule scenarios ${pct(report.recallRuleScenarios)}, behavioural ${pct(report.recallBehavioural)}, behavioural by the model ${pct(report.recallBehaviouralByModel)})`);
  lines.push(
    `false alerts per 1,000 actor-days (${report.actorDays} actor-days): all ${num(report.falsePer1000ActorDays)}, rule ${num(report.byDetector.rule.falsePer1000ActorDays)}, model ${num(report.byDetector.model.falsePer1000ActorDays)}`,
  );
  if (report.missed.length > 0) lines.push(`missed: ${report.missed.map((m) => `${m.incidentId} (${m.scenario}, ${m.actorId})`).join('; ')}`);
  return lines.join('\n');
}
