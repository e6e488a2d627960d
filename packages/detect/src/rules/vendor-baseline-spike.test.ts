import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { access, packRule, patient, plus, reference, run, vendor } from './rule-fixture.ts';

const rule = packRule('vendor-baseline-spike');
const ref = reference({ vendors: [vendor('app2', 100_000), vendor('app3', null)], patients: [patient('p1')] });
const pull = (time: string, records: number, actor = 'app2') => access({ time, actor, kind: 'application', role: null, department: null, action: 'query', records });

/** Five ordinary days: about 1,000 records a day in four pulls. */
function history(actor = 'app2'): AccessEvent[] {
  const out: AccessEvent[] = [];
  const daily = [1000, 950, 1100, 1020, 980];
  daily.forEach((total, d) => {
    for (let h = 0; h < 4; h++) out.push(pull(plus('2026-03-02T09:00:00.000Z', d * 1440 + h * 120), total / 4, actor));
  });
  return out;
}
const DAY6 = '2026-03-07T10:00:00.000Z';

describe('rule vendor-baseline-spike', () => {
  it('fires when an application pulls many times its usual daily volume, under quota', () => {
    const r = run(rule, ref, history());
    expect(r.alerts).toEqual([]);
    const out = r.feed([pull(DAY6, 3000), pull(plus(DAY6, 60), 3000)]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ comparedWith: 'baseline-self', observed: 6000, baseline: 1000 });
    expect(out[0]?.threshold).toBe(4000);
  });

  it('does not fire on an ordinary busy day, nor before there is history', () => {
    const r = run(rule, ref, history());
    expect(r.feed([pull(DAY6, 1500), pull(plus(DAY6, 60), 400)])).toEqual([]);
    expect(run(rule, ref, [pull(DAY6, 50_000, 'app3')]).alerts).toEqual([]);
  });

  it('alerts once for the day however long the spike lasts', () => {
    const r = run(rule, ref, history());
    const out = r.feed([pull(DAY6, 5000), pull(plus(DAY6, 30), 5000), pull(plus(DAY6, 60), 5000)]);
    expect(out).toHaveLength(1);
    expect(r.detector.stats().suppressedByRule['vendor-baseline-spike']).toBe(2);
  });

  it('a late pull inside the lateness counts; behind the watermark it is reported', () => {
    const r = run(rule, ref, [...history(), pull(DAY6, 3500), pull(plus(DAY6, 4), 10)], { allowedLatenessMs: 5 * 60_000 });
    expect(r.feed([pull(plus(DAY6, 1), 3000)])).toHaveLength(1);
    const r2 = run(rule, ref, [...history(), pull(DAY6, 3500), pull(plus(DAY6, 20), 10)], { allowedLatenessMs: 5 * 60_000 });
    expect(r2.feed([pull(plus(DAY6, 1), 3000)])).toEqual([]);
    expect(r2.detector.takeLate()).toHaveLength(1);
  });
});
