import { describe, expect, it } from 'vitest';
import { access, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const coworker = packRule('coworker-snoop');
const self = packRule('self-access');
const T0 = '2026-03-04T09:30:00.000Z';
// u1's own chart is emp1; emp2 is a colleague's, visitor a stranger's.
const ref = reference({
  staff: [staff('u1', { department: 'emergency' }), staff('u2', { department: 'emergency' })],
  patients: [patient('emp1', { employeeActorId: 'u1' }), patient('emp2', { employeeActorId: 'u2' }), patient('visitor')],
});

describe('rule self-access', () => {
  it('fires when a user opens their own chart', () => {
    const { alerts } = run([coworker, self], ref, [access({ time: T0, actor: 'u1', department: 'emergency', patients: ['emp1'] })]);
    expect(alerts.map((a) => a.ruleId)).toEqual(['self-access']);
    expect(alerts[0]).toMatchObject({ key: 'actor=u1', patientIds: ['emp1'] });
  });

  it("does not fire on a colleague's chart or a stranger's", () => {
    const { alerts } = run([self], ref, [
      access({ time: T0, actor: 'u1', department: 'emergency', patients: ['emp2'] }),
      access({ time: T0, actor: 'u1', department: 'emergency', patients: ['visitor'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once a day however often the chart is opened', () => {
    const r = run([self], ref, [
      access({ time: T0, actor: 'u1', patients: ['emp1'] }),
      access({ time: plus(T0, 60), actor: 'u1', patients: ['emp1'], action: 'print' }),
    ]);
    expect(r.alerts).toHaveLength(1);
    expect(r.detector.stats().suppressedByRule['self-access']).toBe(1);
  });

  it('a late event inside the lateness still alerts; behind the watermark it is reported', () => {
    const r = run([self], ref, [access({ time: plus(T0, 1), actor: 'u2', patients: ['visitor'] })], { allowedLatenessMs: 2 * 60_000 });
    expect(r.feed([access({ time: T0, actor: 'u1', patients: ['emp1'] })])).toHaveLength(1);
    r.feed([access({ time: plus(T0, 30), actor: 'u2', patients: ['visitor'] })]);
    expect(r.feed([access({ time: plus(T0, 27), actor: 'u2', patients: ['emp2'] })])).toEqual([]);
    expect(r.detector.takeLate()).toHaveLength(1);
  });
});
