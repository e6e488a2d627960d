import { describe, expect, it } from 'vitest';
import { access, packRule, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('refused-access-burst');
const START = '2026-03-02T09:00:00.000Z';
const ref = reference({ staff: ['u1', 'u2'].map((id) => staff(id, { role: 'nurse', department: 'medicine' })) });
/** A failed login or a denied authorisation: no patient, as chartwatch keeps them. */
const refused = (minute: number, actor: string, patients: string[] = []) => access({ time: plus(START, minute), actor, patients, action: 'execute', outcome: 'serious-failure', records: 0 });

describe('rule refused-access-burst', () => {
  it('fires on eleven refused logins in a quarter of an hour, activity with no patient', () => {
    const r = run(rule, ref, Array.from({ length: 11 }, (_, i) => refused(i, 'u1')));
    r.feed([access({ time: plus(START, 40), actor: 'u2' })]);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]).toMatchObject({ ruleId: 'refused-access-burst', actorId: 'u1', observed: 11, threshold: 10 });
  });

  it('counts refused chart reads with the failed logins', () => {
    const events = [...Array.from({ length: 6 }, (_, i) => refused(i, 'u1')), ...Array.from({ length: 5 }, (_, i) => refused(6 + i, 'u1', [`p${i}`]))];
    const r = run(rule, ref, events);
    r.feed([access({ time: plus(START, 40), actor: 'u2' })]);
    expect(r.alerts).toHaveLength(1);
  });

  it('stays silent on a few typos spread over the morning, and on successes', () => {
    const events = [...Array.from({ length: 10 }, (_, i) => refused(i * 20, 'u1')), ...Array.from({ length: 30 }, (_, i) => access({ time: plus(START, i), actor: 'u2' }))];
    const r = run(rule, ref, events.sort((a, b) => (a.time < b.time ? -1 : 1)));
    r.feed([access({ time: plus(START, 300), actor: 'u2' })]);
    expect(r.alerts).toEqual([]);
  });
});

describe("BALP's client and server records of one request", () => {
  it('count once (same X-Request-Id event id, flag paired)', () => {
    const pair = (minute: number, i: number) => {
      const e = refused(minute, 'u1');
      return [
        { ...e, eventId: `xrid:req-${i}`, flags: ['paired' as const] },
        { ...e, eventId: `xrid:req-${i}`, flags: ['paired' as const], sourceSystem: 'fhir-server' },
      ];
    };
    // Six refused requests, each recorded by client and server: six, not twelve, so no burst.
    const r = run(rule, ref, Array.from({ length: 6 }, (_, i) => pair(i, i)).flat());
    r.feed([access({ time: plus(START, 40), actor: 'u2' })]);
    expect(r.alerts).toEqual([]);
    expect(r.detector.stats().pairedRepeats).toBe(6);
  });
});
