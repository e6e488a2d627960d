import { describe, expect, it } from 'vitest';
import { access, packRule, patient, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('post-termination');
const TERMINATED = '2026-03-05T17:00:00.000Z';
const ref = reference({
  staff: [staff('gone', { terminatedAt: TERMINATED }), staff('here')],
  patients: [patient('p1'), patient('p2')],
});

describe('rule post-termination', () => {
  it('fires on any access after the termination time, failed attempts included', () => {
    const { alerts } = run(rule, ref, [access({ time: plus(TERMINATED, 24 * 60), actor: 'gone', patients: ['p1'], outcome: 'serious-failure' })]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ruleId: 'post-termination', severity: 'critical', key: 'actor=gone' });
    // The analyst reads when the account ended, and counts in words ("1 access", not "1 access(es)").
    expect(alerts[0]?.explanation).toMatch(/terminated 2026-03-05 \d{2}:\d{2} \w+, was used/);
    expect(alerts[0]?.explanation).toContain('1 access to 1 patient so far');
  });

  it('does not fire before termination, nor for current staff', () => {
    const { alerts } = run(rule, ref, [
      access({ time: plus(TERMINATED, -30), actor: 'gone', patients: ['p1'] }),
      access({ time: plus(TERMINATED, 60), actor: 'here', patients: ['p1'] }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('alerts once per day; the evidence of a later day is a new alert', () => {
    const day = plus(TERMINATED, 24 * 60);
    const r = run(rule, ref, [
      access({ time: day, actor: 'gone', patients: ['p1'] }),
      access({ time: plus(day, 5), actor: 'gone', patients: ['p2'] }),
      access({ time: plus(day, 10), actor: 'gone', patients: ['p1'] }),
    ]);
    expect(r.alerts).toHaveLength(1);
    expect(r.detector.stats().suppressedByRule['post-termination']).toBe(2);
    expect(r.feed([access({ time: plus(day, 24 * 60), actor: 'gone', patients: ['p2'] })])).toHaveLength(1);
  });

  it('a late event inside the lateness still alerts; behind the watermark it is reported', () => {
    const day = plus(TERMINATED, 30 * 60);
    const r = run(rule, ref, [access({ time: plus(day, 4), actor: 'here', patients: ['p1'] })], { allowedLatenessMs: 5 * 60_000 });
    expect(r.feed([access({ time: day, actor: 'gone', patients: ['p1'] })])).toHaveLength(1);
    const r2 = run(rule, ref, [access({ time: plus(day, 6), actor: 'here', patients: ['p1'] })], { allowedLatenessMs: 5 * 60_000 });
    expect(r2.feed([access({ time: day, actor: 'gone', patients: ['p1'] })])).toEqual([]);
    expect(r2.detector.takeLate().map((l) => l.event.actor.id)).toEqual(['gone']);
  });
});
