import { describe, expect, it } from 'vitest';
import { access, encounter, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const coworker = packRule('coworker-snoop');
const self = packRule('self-access');
const T0 = '2026-03-04T09:30:00.000Z';
const ref = reference({
  staff: [staff('u1', { department: 'emergency' }), staff('u2', { department: 'emergency' }), staff('u3', { department: 'radiology', address: '5 Lime Ave' })],
  patients: [
    patient('emp2', { employeeActorId: 'u2' }),
    patient('emp1', { employeeActorId: 'u1' }),
    patient('emp3', { employeeActorId: 'u3', address: '5 Lime Ave' }),
    patient('visitor'),
  ],
  encounters: [encounter('emp3', 'emergency', '2026-03-04T08:00:00.000Z', '2026-03-04T11:00:00.000Z')],
});

describe('rule coworker-snoop', () => {
  it("fires on another employee's chart without care", () => {
    const { alerts } = run([coworker, self], ref, [access({ time: T0, actor: 'u1', department: 'emergency', patients: ['emp2'] })]);
    expect(alerts.map((a) => a.ruleId)).toEqual(['coworker-snoop']);
    expect(alerts[0]?.explanation).toContain('emp2, an employee');
  });

  it('does not fire on a coworker treated in the ED, nor on a non-employee', () => {
    const { alerts } = run([coworker], ref, [
      access({ time: T0, actor: 'u1', department: 'emergency', patients: ['emp3'] }),
      access({ time: T0, actor: 'u1', department: 'emergency', patients: ['visitor'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once a day per coworker', () => {
    const r = run([coworker], ref, [
      access({ time: T0, actor: 'u1', department: 'emergency', patients: ['emp2'] }),
      access({ time: plus(T0, 3), actor: 'u1', department: 'emergency', patients: ['emp2'] }),
    ]);
    expect(r.alerts).toHaveLength(1);
  });

  it('a late event inside the lateness still alerts; behind the watermark it is reported', () => {
    const r = run([coworker], ref, [access({ time: plus(T0, 3), actor: 'u3', patients: ['visitor'] })], { allowedLatenessMs: 5 * 60_000 });
    expect(r.feed([access({ time: T0, actor: 'u1', department: 'emergency', patients: ['emp2'] })])).toHaveLength(1);
    expect(r.feed([access({ time: plus(T0, -10), actor: 'u1', department: 'emergency', patients: ['emp2'] })])).toEqual([]);
    expect(r.detector.stats().tooLate).toBe(1);
  });
});
