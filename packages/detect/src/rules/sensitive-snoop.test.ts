import { describe, expect, it } from 'vitest';
import { access, encounter, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('sensitive-snoop');
const T0 = '2026-03-03T15:00:00.000Z';
const ref = reference({
  staff: [staff('ther', { role: 'therapist', department: 'behavioral-health' }), staff('doc', { role: 'physician', department: 'cardiology' })],
  patients: [patient('client')],
  encounters: [encounter('client', 'Behavioral Health', '2026-02-20T14:00:00.000Z', '2026-02-20T15:00:00.000Z')],
});

describe('rule sensitive-snoop', () => {
  it('fires when psychotherapy notes are read without a care relationship', () => {
    const { alerts } = run(rule, ref, [access({ time: T0, actor: 'doc', role: 'physician', department: 'cardiology', patients: ['client'], sensitivity: ['PSYTHPN'] })]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ruleId: 'sensitive-snoop', key: 'actor=doc,patient=client' });
  });

  it("does not fire for the patient's therapist, nor for unlabelled records", () => {
    const { alerts } = run(rule, ref, [
      // The session was 11 days ago: outside the 7-day encounter margin, so this relies on the department's label matching ("Behavioral Health" = "behavioral-health") ...
      access({ time: '2026-02-21T10:00:00.000Z', actor: 'ther', role: 'therapist', department: 'behavioral-health', patients: ['client'], sensitivity: ['PSYTHPN'] }),
      // ... and this on the therapist having treated the patient then.
      access({ time: T0, actor: 'ther', role: 'therapist', department: 'behavioral-health', patients: ['client'], sensitivity: ['PSYTHPN'] }),
      access({ time: T0, actor: 'doc', role: 'physician', department: 'cardiology', patients: ['client'], sensitivity: ['HIV'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once a day per patient', () => {
    const r = run(rule, ref, [
      access({ time: T0, actor: 'doc', department: 'cardiology', patients: ['client'], sensitivity: ['PSY'] }),
      access({ time: plus(T0, 1), actor: 'doc', department: 'cardiology', patients: ['client'], sensitivity: ['PSYTHPN'] }),
    ]);
    expect(r.alerts).toHaveLength(1);
  });

  it('a late event inside the lateness still alerts; behind the watermark it is reported', () => {
    const r = run(rule, ref, [access({ time: plus(T0, 3), actor: 'ther', department: 'behavioral-health', patients: ['client'] })], { allowedLatenessMs: 5 * 60_000 });
    expect(r.feed([access({ time: T0, actor: 'doc', department: 'cardiology', patients: ['client'], sensitivity: ['PSYTHPN'] })])).toHaveLength(1);
    const r2 = run(rule, ref, [access({ time: plus(T0, 30), actor: 'ther', department: 'behavioral-health', patients: ['client'] })], { allowedLatenessMs: 5 * 60_000 });
    expect(r2.feed([access({ time: T0, actor: 'doc', department: 'cardiology', patients: ['client'], sensitivity: ['PSYTHPN'] })])).toEqual([]);
    expect(r2.detector.takeLate()).toHaveLength(1);
  });
});
