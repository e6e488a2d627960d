import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Alert } from '@chartwatch/detect';
import { describe, expect, it } from 'vitest';
import { parseAlerts } from './alerts-file.ts';
import { parseLabels } from './label.ts';
import { formatScoreTable, matchAlert, scoreAlerts } from './score.ts';

/**
 * A hand-made week (test/fixtures/sim/score-*.jsonl): four incidents and seven alerts.
 * a1 vip-snoop u1, its day window covers inc-1; a2 after-hours-bulk u2, a 4-hour
 * window starting 30 minutes after inc-2 ended (inside one window of tolerance);
 * a3 model u3 inside inc-3; a4 model u4 two days after inc-4 but citing its event e7;
 * a5 (u5) and a6 (u6) nobody's incident; a7 after-hours-bulk u2 two days after inc-2.
 */
const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/sim/${name}`, import.meta.url));
const LABELS = parseLabels(readFileSync(fixture('score-labels.jsonl'), 'utf8'));
const ALERTS = parseAlerts(readFileSync(fixture('score-alerts.jsonl'), 'utf8'), 'score-alerts.jsonl');

describe('scoreAlerts', () => {
  it('matches by actor and window (with one window of tolerance) or by evidence', () => {
    expect(matchAlert(ALERTS[0] as Alert, LABELS)).toEqual([0]);
    expect(matchAlert(ALERTS[1] as Alert, LABELS)).toEqual([1]);
    expect(matchAlert(ALERTS[3] as Alert, LABELS)).toEqual([3]);
    expect(matchAlert(ALERTS[6] as Alert, LABELS)).toEqual([]);
  });

  it('computes precision, recall per scenario and false alerts per 1,000 actor-days', () => {
    const report = scoreAlerts(ALERTS, LABELS, { actorDays: 500 });
    expect(report.alerts).toBe(7);
    expect(report.matchedAlerts).toBe(4);
    expect(report.falseAlerts).toBe(3);
    expect(report.precision).toBeCloseTo(4 / 7, 10);
    expect(report.recall).toBe(1);
    expect(report.recallRuleScenarios).toBe(1);
    expect(report.recallBehavioural).toBe(1);
    expect(report.recallBehaviouralByModel).toBe(1);
    expect(report.falsePer1000ActorDays).toBeCloseTo(6, 10);
    expect(report.byDetector.rule).toMatchObject({ alerts: 4, matched: 2, false: 2 });
    expect(report.byDetector.rule.falsePer1000ActorDays).toBeCloseTo(4, 10);
    expect(report.byDetector.model).toMatchObject({ alerts: 3, matched: 2, false: 1 });
    expect(report.byDetector.model.falsePer1000ActorDays).toBeCloseTo(2, 10);
    expect(report.byScenario.map((s) => [s.scenario, s.incidents, s.detected])).toEqual([
      ['after-hours-bulk', 1, 1],
      ['vip-snoop', 1, 1],
      ['quiet-exporter', 1, 1],
      ['out-of-unit-browse', 1, 1],
    ]);
    expect(report.byRule.find((r) => r.ruleId === 'after-hours-bulk')).toMatchObject({ alerts: 2, matched: 1, false: 1, precision: 0.5 });
    expect(report.missed).toEqual([]);
  });

  it('reports missed incidents and scenario recall below one', () => {
    const report = scoreAlerts(ALERTS.filter((a) => a.alertId !== 'a4'), LABELS, { actorDays: 500 });
    expect(report.recall).toBe(0.75);
    expect(report.recallBehaviouralByModel).toBe(0.5);
    expect(report.byScenario.find((s) => s.scenario === 'out-of-unit-browse')?.recall).toBe(0);
    expect(report.missed.map((m) => m.incidentId)).toEqual(['inc-4']);
    expect(formatScoreTable(report)).toContain('missed: inc-4 (out-of-unit-browse, u4)');
  });

  it('has no precision without alerts and no rate without actor-days', () => {
    const report = scoreAlerts([], LABELS, { actorDays: 0 });
    expect(report.precision).toBeNull();
    expect(report.recall).toBe(0);
    expect(report.falsePer1000ActorDays).toBeNull();
  });
});
