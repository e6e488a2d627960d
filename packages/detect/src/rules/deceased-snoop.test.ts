import { describe, expect, it } from 'vitest';
import { access, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('deceased-snoop');
const T0 = '2026-03-03T11:00:00.000Z';
const ref = reference({
  staff: [staff('nurse1', { role: 'nurse' }), staff('him1', { role: 'HIM clerk', department: 'him' }), staff('roi', { role: 'Release of Information' })],
  patients: [patient('longdead', { deceasedAt: '2025-06-01T00:00:00.000Z' }), patient('justdied', { deceasedAt: '2026-03-01T00:00:00.000Z' }), patient('alive')],
});

describe('rule deceased-snoop', () => {
  it('fires when a clinician opens the chart of a patient dead for months', () => {
    const { alerts } = run(rule, ref, [access({ time: T0, actor: 'nurse1', patients: ['longdead'] })]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ key: 'actor=nurse1,patient=longdead' });
  });

  it('does not fire for records staff, for a recent death, nor for the living', () => {
    const { alerts } = run(rule, ref, [
      access({ time: T0, actor: 'him1', role: 'him-clerk', department: 'him', patients: ['longdead'] }),
      access({ time: T0, actor: 'roi', role: null, department: null, patients: ['longdead'] }),
      access({ time: T0, actor: 'nurse1', patients: ['justdied'] }),
      access({ time: T0, actor: 'nurse1', patients: ['alive'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once a day per chart', () => {
    const r = run(rule, ref, [access({ time: T0, actor: 'nurse1', patients: ['longdead'] }), access({ time: plus(T0, 2), actor: 'nurse1', patients: ['longdead'] })]);
    expect(r.alerts).toHaveLength(1);
  });

  it('a late event inside the lateness still alerts; behind the watermark it is reported', () => {
    const r = run(rule, ref, [access({ time: plus(T0, 1), actor: 'nurse1', patients: ['alive'] })], { allowedLatenessMs: 60_000 });
    expect(r.feed([access({ time: T0, actor: 'nurse1', patients: ['longdead'] })])).toHaveLength(1);
    r.feed([access({ time: plus(T0, 10), actor: 'nurse1', patients: ['alive'] })]);
    expect(r.feed([access({ time: plus(T0, 5), actor: 'nurse1', patients: ['longdead'] })])).toEqual([]);
    expect(r.detector.stats().tooLate).toBe(1);
  });

  it("judges a hospital's own role codes by the categories its roles.csv gives them", () => {
    // HIMS-2 is no spelling the built-in vocabulary knows: with roles.csv saying "him" it is records staff;
    // without one it is an unmapped role and alerts like anyone else (and is reported at load).
    const parts = {
      staff: [staff('hs1', { role: 'HIMS-2', department: 'records' }), staff('rn7', { role: 'RN-II' })],
      patients: [patient('longdead', { deceasedAt: '2025-06-01T00:00:00.000Z' })],
    };
    const events = () => [access({ time: T0, actor: 'hs1', role: 'HIMS-2', department: 'records', patients: ['longdead'] }), access({ time: T0, actor: 'rn7', role: 'RN-II', patients: ['longdead'] })];
    const mapped = reference({ ...parts, roles: [{ role: 'HIMS-2', categories: ['him'] }, { role: 'RN-II', categories: ['clinical', 'nursing'] }] });
    expect(run(rule, mapped, events()).alerts.map((a) => a.actorId)).toEqual(['rn7']);
    expect(mapped.unmappedRoles()).toEqual([]);
    const unmapped = reference(parts);
    expect(run(rule, unmapped, events()).alerts.map((a) => a.actorId).sort()).toEqual(['hs1', 'rn7']);
    expect(unmapped.unmappedRoles()).toEqual(['HIMS-2', 'RN-II']);
  });
});
