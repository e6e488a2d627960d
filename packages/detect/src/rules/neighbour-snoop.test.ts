import { describe, expect, it } from 'vitest';
import { access, encounter, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const family = packRule('family-snoop');
const neighbour = packRule('neighbour-snoop');
const T0 = '2026-03-03T14:00:00.000Z';
// u1 shares 12 Oak St with a lodger of another family name, and with a relative (the household: family-snoop's).
const ref = reference({
  staff: [staff('u1', { familyName: 'Okafor', address: '12 Oak St.', department: 'icu' })],
  patients: [
    patient('lodger', { familyName: 'Smith', address: '12 oak st' }),
    patient('rel', { familyName: 'Okafor', address: '12 Oak St' }),
    patient('namesake', { familyName: 'Okafor', address: '99 Elm Road' }),
  ],
});

describe('rule neighbour-snoop', () => {
  it('fires on someone at the same address with another family name', () => {
    const { alerts } = run([family, neighbour], ref, [access({ time: T0, actor: 'u1', department: 'icu', patients: ['lodger'] })]);
    expect(alerts.map((a) => a.ruleId)).toEqual(['neighbour-snoop']);
  });

  it('does not fire on the household itself or on a treated neighbour', () => {
    const treatedRef = reference({
      staff: [staff('u1', { familyName: 'Okafor', address: '12 Oak St.', department: 'icu' })],
      patients: [patient('rel', { familyName: 'Okafor', address: '12 Oak St' }), patient('lodger', { familyName: 'Smith', address: '12 Oak St' })],
      encounters: [encounter('lodger', 'icu', '2026-03-03T08:00:00.000Z', '2026-03-03T12:00:00.000Z')],
    });
    const { alerts } = run([neighbour], treatedRef, [
      access({ time: T0, actor: 'u1', department: 'icu', patients: ['rel'] }),
      access({ time: T0, actor: 'u1', department: 'icu', patients: ['lodger'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once a day per neighbour', () => {
    const r = run([neighbour], ref, [
      access({ time: T0, actor: 'u1', department: 'icu', patients: ['lodger'] }),
      access({ time: plus(T0, 5), actor: 'u1', department: 'icu', patients: ['lodger'] }),
    ]);
    expect(r.alerts).toHaveLength(1);
  });

  it('a late event inside the lateness still alerts; behind the watermark it is reported', () => {
    const r = run([neighbour], ref, [access({ time: plus(T0, 2), actor: 'u9', patients: ['namesake'] })], { allowedLatenessMs: 5 * 60_000 });
    expect(r.feed([access({ time: T0, actor: 'u1', department: 'icu', patients: ['lodger'] })])).toHaveLength(1);
    r.feed([access({ time: plus(T0, 60), actor: 'u9', patients: ['namesake'] })]);
    expect(r.feed([access({ time: plus(T0, 50), actor: 'u1', department: 'icu', patients: ['lodger'] })])).toEqual([]);
    expect(r.detector.takeLate()).toHaveLength(1);
  });
});
