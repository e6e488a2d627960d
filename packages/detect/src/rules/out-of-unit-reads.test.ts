import { describe, expect, it } from 'vitest';
import { alertSchema } from '../alert.ts';
import { access, encounter, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('out-of-unit-reads');
const T0 = '2026-03-03T10:00:00.000Z';
const ADMITTED = '2026-03-01T08:00:00.000Z';
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
// Twelve patients admitted to oncology, twelve to the user's own cardiology, two with no encounter at all,
// one oncology patient discharged to cardiology last week (last seen in cardiology).
const ref = reference({
  staff: [staff('u1', { department: 'cardiology', role: 'nurse' }), staff('b1', { department: 'billing', role: 'billing clerk' })],
  patients: [...ids('onc', 12), ...ids('card', 12), 'nowhere0', 'nowhere1', 'moved'].map((id) => patient(id)),
  encounters: [
    ...ids('onc', 12).map((id) => encounter(id, 'oncology', ADMITTED, null)),
    ...ids('card', 12).map((id) => encounter(id, 'cardiology', ADMITTED, null)),
    encounter('moved', 'oncology', '2026-02-01T08:00:00.000Z', '2026-02-10T08:00:00.000Z'),
    encounter('moved', 'cardiology', '2026-02-10T08:00:00.000Z', '2026-02-20T08:00:00.000Z'),
  ],
});
const reads = (actor: string, patients: readonly string[], department = 'cardiology', from = T0) =>
  patients.map((p, i) => access({ time: plus(from, i * 3), actor, department, role: actor === 'b1' ? 'billing clerk' : 'nurse', patients: [p] }));

describe('rule out-of-unit-reads', () => {
  it('fires when a user reads more than ten patients of other units in a day, with no care relationship', () => {
    const { alerts } = run(rule, ref, reads('u1', ids('onc', 12)));
    expect(alerts).toHaveLength(1);
    const a = alerts[0];
    expect(alertSchema.parse(a)).toEqual(a);
    expect(a).toMatchObject({ ruleId: 'out-of-unit-reads', key: 'actor=u1', observed: 11, threshold: 10, comparedWith: 'fixed', patientCount: 11 });
    expect(a?.explanation).toContain('read the charts of 11 patients in other units');
  });

  it('does not count the own unit, patients in no unit, nor one last seen in the own unit', () => {
    const { alerts } = run(rule, ref, reads('u1', [...ids('card', 12), 'nowhere0', 'nowhere1', 'moved', ...ids('onc', 10)]));
    expect(alerts).toEqual([]);
  });

  it('does not count a unit the access was recorded under, nor billing staff, nor across days', () => {
    const { alerts } = run(rule, ref, [
      ...reads('u1', ids('onc', 12), 'oncology'),
      ...reads('b1', ids('onc', 12), 'billing'),
      ...reads('u1', ids('onc', 6), 'cardiology', '2026-03-03T20:00:00.000Z'),
      ...reads('u1', ids('onc', 12).slice(6), 'cardiology', '2026-03-04T09:00:00.000Z'),
    ]);
    expect(alerts).toEqual([]);
  });

  it('does not count a patient the user treated (a care relationship) and fires once a day', () => {
    const treated = access({ time: plus(T0, -60), actor: 'u1', department: 'cardiology', action: 'update', patients: ['onc0'] });
    const quiet = run(rule, ref, [treated, ...reads('u1', ids('onc', 11))]);
    expect(quiet.alerts).toEqual([]);
    const r = run(rule, ref, [...reads('u1', ids('onc', 12)), ...reads('u1', ids('onc', 12), 'cardiology', plus(T0, 120))]);
    expect(r.alerts).toHaveLength(1);
  });
});
