import { describe, expect, it } from 'vitest';
import { access, encounter, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const family = packRule('family-snoop');
const neighbour = packRule('neighbour-snoop');
const T0 = '2026-03-03T14:00:00.000Z';
const ref = reference({
  staff: [staff('u1', { familyName: 'Okafor', address: '12 Oak St.', department: 'icu' })],
  patients: [
    patient('rel', { familyName: 'OKAFOR', address: '12  oak st' }),
    patient('lodger', { familyName: 'Smith', address: '12 Oak St' }),
    patient('namesake', { familyName: 'Okafor', address: '99 Elm Road' }),
    patient('treated', { familyName: 'Okafor', address: '12 Oak St' }),
  ],
  encounters: [encounter('treated', 'icu', '2026-03-02T00:00:00.000Z', null)],
});

describe('rule family-snoop', () => {
  it('fires on a relative (same family name, same address however spelled) without care', () => {
    const { alerts } = run([family, neighbour], ref, [access({ time: T0, actor: 'u1', department: 'icu', patients: ['rel'] })]);
    expect(alerts.map((a) => a.ruleId)).toEqual(['family-snoop']);
    expect(alerts[0]).toMatchObject({ key: 'actor=u1,patient=rel', patientIds: ['rel'], patientCount: 1 });
  });

  it('does not fire on a namesake elsewhere, nor on a relative the user is treating', () => {
    const { alerts } = run([family], ref, [
      access({ time: T0, actor: 'u1', department: 'icu', patients: ['namesake'] }),
      access({ time: plus(T0, 1), actor: 'u1', department: 'icu', patients: ['treated'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once a day per relative', () => {
    const r = run([family], ref, [
      access({ time: T0, actor: 'u1', department: 'icu', patients: ['rel'] }),
      access({ time: plus(T0, 45), actor: 'u1', department: 'icu', patients: ['rel'] }),
    ]);
    expect(r.alerts).toHaveLength(1);
    expect(r.detector.stats().suppressedByRule['family-snoop']).toBe(1);
  });

  it('judges a late event inside the lateness; reports one behind the watermark', () => {
    const r = run([family], ref, [access({ time: plus(T0, 4), actor: 'u9', patients: ['namesake'] })], { allowedLatenessMs: 5 * 60_000 });
    expect(r.feed([access({ time: T0, actor: 'u1', department: 'icu', patients: ['rel'] })])).toHaveLength(1);
    r.feed([access({ time: plus(T0, 30), actor: 'u9', patients: ['namesake'] })]);
    expect(r.feed([access({ time: plus(T0, 20), actor: 'u1', department: 'icu', patients: ['lodger', 'rel'] })])).toEqual([]);
    expect(r.detector.stats().tooLate).toBe(1);
    expect(r.detector.takeLate()).toHaveLength(1);
  });
});
