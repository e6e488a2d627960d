import { describe, expect, it } from 'vitest';
import { alertSchema, parseRule, replayEvents } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { ReferenceIndex } from '@chartwatch/reference';
import { createAccessFacts } from '../features/access-facts.ts';
import { extractFeatures } from '../features/extract-features.ts';
import type { FeatureRow } from '../features/feature-row.ts';
import { BehaviourModel } from './behaviour-model.ts';
import { BROWSER, EXPORTER, FIXTURE_START, fixtureHospital } from './fixture-hospital.ts';
import { ModelHolder } from './model-holder.ts';
import { createModelScorer, MODEL_RULE_ID } from './model-scorer.ts';
import type { TrainModelOptions } from './train-model.ts';
import { scoreRows, trainBehaviourModel } from './train-model.ts';

const DAY = 86_400_000;
const hospital = fixtureHospital();
const reference = new ReferenceIndex(hospital.reference);
const incidentStart = FIXTURE_START + hospital.incidentDay * DAY;
const history = hospital.events.filter((e) => Date.parse(e.time) < incidentStart);

function rowsOf(events: readonly AccessEvent[]): FeatureRow[] {
  return extractFeatures(events, { facts: createAccessFacts({ reference }) });
}

function train(referenceShare?: number, version = 'v1', extra: Partial<TrainModelOptions> = {}): BehaviourModel {
  return trainBehaviourModel(rowsOf(history), {
    featureOptions: { window: 'day', noveltyDays: 2, allowedLatenessMs: 300_000 },
    timezone: 'UTC',
    from: new Date(FIXTURE_START).toISOString(),
    to: new Date(incidentStart).toISOString(),
    events: history.length,
    // No budget: only a row more unusual than every day of the history alerts.
    budgetPer1000: 0,
    minGroupRows: 20,
    version,
    ...(referenceShare === undefined ? {} : { referenceShare }),
    ...extra,
  });
}

function replay(scorer: ReturnType<typeof createModelScorer>) {
  return replayEvents({ parsed: hospital.events.map((event) => ({ ok: true as const, event })), rules: [], reference, scorers: [scorer] }).alerts;
}

describe('trainBehaviourModel', () => {
  it('is deterministic and keeps the training history within the alert budget', () => {
    const a = train(undefined, 'v1', { budgetPer1000: 20 });
    const b = train(undefined, 'v1', { budgetPer1000: 20 });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    const t = a.json.training;
    expect(t.rowsAboveThreshold).toBe(Math.floor((20 * t.actorDays) / 1000));
    expect(train().json.training.rowsAboveThreshold).toBe(0);
    expect(a.json.groups.map((g) => [g.name, g.forest === null])).toEqual([
      ['application:app1', true],
      ['nurse', false],
      ['registrar', false],
    ]);
    // Peers' medians (FEATURE_NAMES order): registrars never export.
    expect(a.json.groups.find((g) => g.name === 'registrar')?.medians[7]).toBe(0);
  });

  it('round-trips through JSON with identical scores, and names a corrupt field', () => {
    const model = train();
    const again = BehaviourModel.fromJSON(JSON.stringify(model));
    const rows = rowsOf(hospital.events).filter((r) => r.complete);
    expect(Array.from(scoreRows(again, rows))).toEqual(Array.from(scoreRows(model, rows)));
    const broken = { ...model.toJSON(), featureOptions: { window: 'week', noveltyDays: 2, allowedLatenessMs: 0 } };
    expect(() => BehaviourModel.fromJSON(broken, 'model.json')).toThrow(/CW_ERR_MODEL: model\.json: featureOptions\.window/);
    expect(() => BehaviourModel.fromJSON('{', 'model.json')).toThrow(/model\.json: not JSON/);
  });

  it('sees a feature every peer has at zero only with the reference sample', () => {
    // Exports and two shares on which the exporter is ordinary: only exports can tell her apart.
    const features = ['exports', 'afterHoursShare', 'clinicalShare'] as const;
    const registrars = rowsOf(hospital.events).filter((r) => r.complete && r.group === 'registrar');
    const exporterRow = registrars.findIndex((r) => r.actorId === EXPORTER && r.windowStart === incidentStart);
    expect(exporterRow).toBeGreaterThanOrEqual(0);
    const rankOfExporter = (referenceShare: number): number => {
      const scores = scoreRows(train(referenceShare, 'v1', { features: [...features] }), registrars);
      return [...scores].filter((x) => x >= (scores[exporterRow] as number)).length;
    };
    // Grown on registrars alone, no tree ever splits on exports: the exporter scores like any registrar.
    expect(rankOfExporter(0)).toBeGreaterThan(10);
    expect(rankOfExporter(0.25)).toBe(1);
  });
});

describe('createModelScorer', () => {
  it('raises one explained model alert per planted insider and nothing else', () => {
    const model = train();
    const alerts = replay(createModelScorer({ model, reference }));
    expect(alerts.map((a) => [a.actorId, a.windowStart]).sort()).toEqual(
      [
        [BROWSER, new Date(incidentStart).toISOString()],
        [EXPORTER, new Date(incidentStart).toISOString()],
      ].sort(),
    );
    for (const a of alerts) {
      expect(alertSchema.parse(a)).toEqual(a);
      expect(a.detector).toBe('model');
      expect(a.ruleId).toBe(MODEL_RULE_ID);
      expect(a.comparedWith).toBe('model');
      expect(a.modelVersion).toBe('v1');
      expect(a.score).toBeGreaterThan(model.threshold);
      expect(a.threshold).toBe(model.threshold);
      expect(a.features.length).toBe(3);
    }
    const exporter = alerts.find((a) => a.actorId === EXPORTER);
    // The day's exports or the week's (the same 30: the registrars export nothing on other days).
    expect(exporter?.features).toContainEqual(expect.objectContaining({ feature: expect.stringMatching(/^exports(7d)?$/), value: 30, peerMedian: 0 }));
    expect(exporter?.explanation).toMatch(/^Registrar r1 on 2026-03-17: .*30 exports.*; peers \(registrar, median\): .*0 exports.*\. Score 0\.\d\d > 0\.\d\d \(model v1\)\.$/);
    // Every export is in the evidence: the features that drove the score pick it.
    const exports = hospital.events.filter((e) => e.actor.id === EXPORTER && e.action === 'export').map((e) => e.eventId);
    expect(exports).toHaveLength(30);
    expect(exporter?.evidenceEventIds).toEqual(expect.arrayContaining(exports));
    const browser = alerts.find((a) => a.actorId === BROWSER);
    // Twelve charts in other units without care: what the nurse's day shows is those charts, by department or by care.
    const browsing = ['otherDepartmentShare', 'newDepartments', 'noCarePatients', 'noCarePatients7d', 'noCareShare'];
    expect(browser?.features.some((f) => browsing.includes(f.feature))).toBe(true);
  });

  it("leaves an actor-day a rule already alerted on to the rule", () => {
    const model = train();
    // A rule that alerts on the exporter's first export of the incident day (a stand-in for any rule alert).
    const rule = parseRule({
      file: 'exporter.yaml',
      text: 'id: any-export\nversion: 1\ntitle: Export\nseverity: low\nmatch: { actions: [export] }\nkey: actor\nwindow: { size: 1d }\nsuppress: window\nexplain: "{actor} exported"\n',
    });
    const scorer = createModelScorer({ model, reference });
    const alerts = replayEvents({ parsed: hospital.events.map((event) => ({ ok: true as const, event })), rules: [rule], reference, scorers: [scorer] }).alerts;
    expect(alerts.filter((a) => a.detector === 'model').map((a) => a.actorId)).toEqual([BROWSER]);
    expect(alerts.filter((a) => a.detector === 'rule').map((a) => a.actorId)).toContain(EXPORTER);
    expect(scorer.stats().leftToRules).toBe(1);
  });

  it('gives the same alert ids on a second replay', () => {
    const model = train();
    const first = replay(createModelScorer({ model, reference })).map((a) => a.alertId);
    const second = replay(createModelScorer({ model, reference })).map((a) => a.alertId);
    expect(first).toHaveLength(2);
    expect(second).toEqual(first);
  });

  it('scores with a newer model version as soon as the holder has it, without losing window state', () => {
    const v1 = train(undefined, 'v1');
    const holder = new ModelHolder(v1);
    const scorer = createModelScorer({ model: holder, reference });
    const out = [];
    for (const e of hospital.events) {
      // Swap at the start of the incident day: the day's window is already open and keeps its events.
      if (holder.current()?.version === 'v1' && Date.parse(e.time) >= incidentStart + 3_600_000) holder.set(train(undefined, 'v2'));
      out.push(...scorer.process(e));
    }
    out.push(...scorer.flush());
    expect(out.map((a) => a.modelVersion)).toEqual(['v2', 'v2']);
    expect(holder.swaps).toBe(1);
    expect(holder.set(train(undefined, 'v2'))).toBe(false);
    expect(scorer.stats()).toMatchObject({ alerts: 2, modelVersion: 'v2' });
  });

  it('scores nothing until it holds a model, and never the warm-up days', () => {
    const holder = new ModelHolder();
    const scorer = createModelScorer({ model: holder, reference });
    expect(replay(scorer)).toEqual([]);
    const stats = scorer.stats();
    expect(stats.scored).toBe(0);
    expect(stats.unscored).toBeGreaterThan(0);
    expect(stats.windows).toBeGreaterThan(stats.unscored); // the first two days are incomplete: never scored
  });
});
