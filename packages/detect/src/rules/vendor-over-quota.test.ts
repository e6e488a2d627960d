import { describe, expect, it } from 'vitest';
import { access, packRule, patient, plus, reference, run, vendor } from './rule-fixture.ts';

const rule = packRule('vendor-over-quota');
const T0 = '2026-03-03T09:00:00.000Z';
const ref = reference({ vendors: [vendor('app1', 1000), vendor('free', null)], patients: [patient('p1')] });
const pull = (time: string, records: number, actor = 'app1') => access({ time, actor, kind: 'application', role: null, department: null, action: 'query', records, patients: ['p1', 'p2'] });

describe('rule vendor-over-quota', () => {
  it('fires when an application pulls more records in a day than its quota', () => {
    const { alerts } = run(rule, ref, [pull(T0, 300), pull(plus(T0, 60), 300), pull(plus(T0, 120), 300), pull(plus(T0, 180), 300)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ key: 'application=app1', actorKind: 'application', observed: 1200, threshold: 1000, comparedWith: 'quota', evidenceCount: 4, patientCount: 2 });
    expect(alerts[0]?.explanation).toContain('over its daily quota of 1000');
  });

  it('does not fire up to the quota, nor for an application without a quota', () => {
    const { alerts } = run(rule, ref, [pull(T0, 500), pull(plus(T0, 1), 500), pull(plus(T0, 2), 50_000, 'free')]);
    expect(alerts).toEqual([]);
  });

  it('alerts once per local day; the count starts again at local midnight', () => {
    // In New York, 03:00Z is 22:00 the evening before: two local days.
    const r = run(rule, ref, [pull('2026-03-03T03:00:00.000Z', 900), pull('2026-03-03T06:00:00.000Z', 900)], { timezone: 'America/New_York' });
    expect(r.alerts).toEqual([]);
    r.feed([pull('2026-03-03T07:00:00.000Z', 200), pull('2026-03-03T08:00:00.000Z', 200)]);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]?.windowStart).toBe('2026-03-03T05:00:00.000Z');
    expect(r.detector.stats().suppressedByRule['vendor-over-quota']).toBe(1);
  });

  it('a late pull inside the lateness counts toward its day; behind the watermark it is reported, not counted', () => {
    const r = run(rule, ref, [pull(T0, 900), pull(plus(T0, 10), 50)], { allowedLatenessMs: 15 * 60_000 });
    expect(r.feed([pull(plus(T0, 2), 100)])).toHaveLength(1);
    const r2 = run(rule, ref, [pull(T0, 900), pull(plus(T0, 30), 50)], { allowedLatenessMs: 15 * 60_000 });
    expect(r2.feed([pull(plus(T0, 2), 100)])).toEqual([]);
    expect(r2.detector.stats().tooLate).toBe(1);
    expect(r2.detector.takeLate()[0]?.event.records).toBe(100);
  });
});
