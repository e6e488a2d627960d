import { describe, expect, it } from 'vitest';
import { alertSchema } from '../alert.ts';
import { access, encounter, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('vip-snoop');
const T0 = '2026-03-03T10:00:00.000Z';
const ref = reference({
  staff: [staff('u1', { department: 'cardiology', role: 'nurse' }), staff('u2', { department: 'oncology', role: 'physician' })],
  patients: [patient('vip1', { vip: true }), patient('p2')],
  // The VIP is admitted to oncology: u2 has a care relationship, u1 does not.
  encounters: [encounter('vip1', 'oncology', '2026-03-01T08:00:00.000Z', null)],
});

describe('rule vip-snoop', () => {
  it('fires when a VIP chart is opened without a care relationship', () => {
    const { alerts } = run(rule, ref, [access({ time: T0, actor: 'u1', department: 'cardiology', patients: ['vip1'] })]);
    expect(alerts).toHaveLength(1);
    const a = alerts[0];
    expect(alertSchema.parse(a)).toEqual(a);
    expect(a).toMatchObject({ ruleId: 'vip-snoop', ruleVersion: 1, severity: 'high', actorId: 'u1', patientIds: ['vip1'], comparedWith: 'condition', firedAt: T0 });
    expect(a?.key).toBe('actor=u1,patient=vip1');
    expect(a?.explanation).toContain('VIP patient vip1');
    expect(a?.windowStart).toBe('2026-03-03T00:00:00.000Z');
  });

  it('does not fire for the care team, nor for ordinary patients', () => {
    const { alerts } = run(rule, ref, [
      access({ time: T0, actor: 'u2', role: 'physician', department: 'oncology', patients: ['vip1'] }),
      access({ time: plus(T0, 1), actor: 'u1', department: 'cardiology', patients: ['p2'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('does not fire for a clinician who treated the VIP during a past stay', () => {
    const past = reference({
      staff: [staff('u1', { department: 'cardiology' })],
      patients: [patient('vip1', { vip: true })],
      encounters: [encounter('vip1', 'cardiology', '2026-01-10T08:00:00.000Z', '2026-01-12T08:00:00.000Z')],
    });
    const { alerts } = run(rule, past, [
      access({ time: '2026-01-11T09:00:00.000Z', actor: 'u1', department: 'cardiology', patients: ['vip1'] }),
      // Two months later, well outside the encounter's 7-day margin: the earlier treatment vouches for it.
      access({ time: T0, actor: 'u1', department: 'cardiology', patients: ['vip1'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once per actor, patient and day; the next day alerts again', () => {
    const r = run(rule, ref, [
      access({ time: T0, actor: 'u1', department: 'cardiology', patients: ['vip1'] }),
      access({ time: plus(T0, 30), actor: 'u1', department: 'cardiology', patients: ['vip1'] }),
      access({ time: plus(T0, 60), actor: 'u1', department: 'cardiology', patients: ['vip1'] }),
    ]);
    expect(r.alerts).toHaveLength(1);
    expect(r.detector.stats().suppressedByRule['vip-snoop']).toBe(2);
    const next = r.feed([access({ time: plus(T0, 24 * 60), actor: 'u1', department: 'cardiology', patients: ['vip1'] })]);
    expect(next).toHaveLength(1);
    expect(next[0]?.alertId).not.toBe(r.alerts[0]?.alertId);
  });

  it('counts a late event within the allowed lateness and reports one behind the watermark', () => {
    const r = run(rule, ref, [access({ time: plus(T0, 10), actor: 'u2', role: 'physician', department: 'oncology', patients: ['p2'] })], {
      allowedLatenessMs: 5 * 60_000,
    });
    // 3 minutes late: still inside the lateness, so it is judged and alerts.
    expect(r.feed([access({ time: plus(T0, 7), actor: 'u1', department: 'cardiology', patients: ['vip1'] })])).toHaveLength(1);
    // 9 minutes behind the latest event: behind the watermark, reported, not judged.
    const tooLate = access({ id: 'late-1', time: plus(T0, 1), actor: 'u1', department: 'cardiology', patients: ['vip1'] });
    expect(r.feed([tooLate])).toEqual([]);
    const stats = r.detector.stats();
    expect(stats.tooLate).toBe(1);
    expect(stats.lateAccepted).toBe(1);
    const late = r.detector.takeLate();
    expect(late.map((l) => l.event.eventId)).toEqual(['late-1']);
    expect(late[0]?.lateByMs).toBe(4 * 60_000);
    expect(r.detector.takeLate()).toEqual([]);
  });
});
