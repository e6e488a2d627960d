import { describe, expect, it } from 'vitest';
import { sampleEvent } from '@chartwatch/event';
import type { AccessEvent } from '@chartwatch/event';
import { ReferenceIndex } from '@chartwatch/reference';
import type { ReferenceSet } from '@chartwatch/reference';
import { createAccessFacts } from './access-facts.ts';
import { extractFeatures } from './extract-features.ts';
import { FeatureAccumulator } from './feature-accumulator.ts';
import { FEATURE_INDEX, FEATURE_NAMES } from './feature-names.ts';
import type { FeatureRow } from './feature-row.ts';

const HOUR = 3_600_000;

function reference(): ReferenceSet {
  return {
    staff: [
      { actorId: 'n1', givenName: null, familyName: 'A', address: '1 Elm St', department: 'cardiology', role: 'nurse', hiredAt: null, terminatedAt: null },
      { actorId: 'b1', givenName: null, familyName: 'B', address: '2 Oak St', department: 'billing', role: 'billing-clerk', hiredAt: null, terminatedAt: null },
    ],
    patients: ['p1', 'p2', 'p3', 'p4'].map((patientId) => ({ patientId, givenName: null, familyName: 'X', address: null, birthDate: null, deceasedAt: null, vip: false, employeeActorId: null })),
    vendors: [{ clientId: 'app1', name: 'App', dailyQuota: 100 }],
    encounters: [
      // p1 and p2 are in cardiology (n1's unit) all week; p3 in oncology; p4 has no encounter.
      { patientId: 'p1', department: 'cardiology', start: '2026-03-01T00:00:00.000Z', end: null },
      { patientId: 'p2', department: 'cardiology', start: '2026-03-01T00:00:00.000Z', end: null },
      // Laboratory work beside p2's admission: p2 is still a cardiology patient.
      { patientId: 'p2', department: 'laboratory', start: '2026-03-01T00:00:00.000Z', end: null },
      { patientId: 'p2', department: 'radiology', start: '2026-03-03T00:00:00.000Z', end: '2026-03-03T01:00:00.000Z' },
      { patientId: 'p3', department: 'oncology', start: '2026-03-01T00:00:00.000Z', end: null },
    ],
  };
}

let seq = 0;
function event(over: Partial<AccessEvent> & { time: string }): AccessEvent {
  seq++;
  const { actor, ...rest } = over;
  return sampleEvent({ eventId: `e${String(seq).padStart(5, '0')}`, patientIds: ['p1'], resourceTypes: ['Observation'], ...rest, actor: { id: 'n1', ...actor } });
}

const value = (row: FeatureRow, name: (typeof FEATURE_NAMES)[number]): number => row.values[FEATURE_INDEX[name]] as number;

function facts(timezone = 'UTC') {
  return createAccessFacts({ reference: new ReferenceIndex(reference()), timezone });
}

describe('FeatureAccumulator', () => {
  it('counts one actor-day: shares, distinct patients and departments, care, exports, prints, records', () => {
    // Wednesday 2026-03-04 (UTC): 10:00 is business hours, 21:00 is not.
    const events = [
      event({ time: '2026-03-04T10:00:00.000Z', patientIds: ['p1'], resourceTypes: ['Observation'] }),
      event({ time: '2026-03-04T10:05:00.000Z', patientIds: ['p2'], resourceTypes: ['Patient'], sensitivity: ['PSY'] }),
      event({ time: '2026-03-04T10:10:00.000Z', patientIds: ['p3'], resourceTypes: ['DocumentReference'], action: 'export', records: 5 }),
      event({ time: '2026-03-04T21:00:00.000Z', patientIds: ['p4'], resourceTypes: ['Consent'], action: 'print' }),
      event({ time: '2026-03-04T21:01:00.000Z', patientIds: ['p1', 'p3'], resourceTypes: ['Condition'] }),
    ];
    const rows = extractFeatures(events, { facts: facts(), noveltyDays: 0 });
    expect(rows).toHaveLength(1);
    const row = rows[0] as FeatureRow;
    expect(row.actorId).toBe('n1');
    expect(row.group).toBe('nurse');
    expect(row.department).toBe('cardiology');
    expect(new Date(row.windowStart).toISOString()).toBe('2026-03-04T00:00:00.000Z');
    expect(new Date(row.windowEnd).toISOString()).toBe('2026-03-05T00:00:00.000Z');
    expect(value(row, 'events')).toBe(5);
    expect(value(row, 'patients')).toBe(4);
    expect(value(row, 'afterHoursShare')).toBeCloseTo(2 / 5);
    expect(value(row, 'departments')).toBe(2); // cardiology, oncology; p4 has none; p2's laboratory and past imaging do not count
    // p3 (oncology) and p4 (no encounter) have no care relationship with a cardiology nurse.
    expect(value(row, 'noCareShare')).toBeCloseTo(2 / 4);
    expect(value(row, 'noCarePatients')).toBe(2);
    // A billing clerk sees the same patients where their admissions are.
    const billing = extractFeatures(
      events.map((e) => ({ ...e, eventId: `b-${e.eventId}`, actor: { id: 'b1', kind: 'user' as const, role: 'billing-clerk', department: 'billing' } })),
      { facts: facts(), noveltyDays: 0 },
    )[0] as FeatureRow;
    expect(value(billing, 'departments')).toBe(2);
    expect(value(billing, 'otherDepartmentShare')).toBeCloseTo(3 / 4);
    expect(value(row, 'sensitiveShare')).toBeCloseTo(1 / 5);
    // Observation, DocumentReference, Condition are clinical, Patient administrative, Consent neither.
    expect(value(row, 'clinicalShare')).toBeCloseTo(3 / 4);
    expect(value(row, 'exports')).toBe(1);
    expect(value(row, 'prints')).toBe(1);
    expect(value(row, 'records')).toBe(9);
    expect(value(row, 'otherDepartmentShare')).toBeCloseTo(1 / 4); // p3 only: p4 has no department
    expect(value(row, 'newPatientShare')).toBe(1);
    expect(row.patientIds).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(row.evidenceCount).toBe(5);
    expect([...row.evidenceIds].sort()).toEqual(events.map((e) => e.eventId).sort());
  });

  it('counts a patient as new only when the actor did not touch them in the look-back before the window', () => {
    const events = [
      event({ time: '2026-03-02T10:00:00.000Z', patientIds: ['p1'] }),
      event({ time: '2026-03-03T10:00:00.000Z', patientIds: ['p2'] }),
      event({ time: '2026-03-05T10:00:00.000Z', patientIds: ['p1'] }), // seen 3 days before: new with a 2-day look-back
      event({ time: '2026-03-05T11:00:00.000Z', patientIds: ['p2'] }), // seen 2 days before: not new
      event({ time: '2026-03-05T12:00:00.000Z', patientIds: ['p3'] }), // never seen
    ];
    const rows = extractFeatures(events, { facts: facts(), noveltyDays: 2 });
    expect(rows.map((r) => new Date(r.windowStart).toISOString().slice(0, 10))).toEqual(['2026-03-02', '2026-03-03', '2026-03-05']);
    expect(rows.map((r) => r.complete)).toEqual([false, false, true]);
    expect(value(rows[2] as FeatureRow, 'newPatientShare')).toBeCloseTo(2 / 3);
  });

  it('closes a window once the watermark passes its end, in window then actor order, and drops events behind it', () => {
    const acc = new FeatureAccumulator({ facts: facts(), noveltyDays: 0, allowedLatenessMs: 10 * 60_000 });
    expect(acc.add(event({ time: '2026-03-04T23:59:00.000Z' }))).toEqual([]);
    expect(acc.add(event({ time: '2026-03-04T23:58:00.000Z', actor: { id: 'b1', kind: 'user', role: 'billing-clerk', department: 'billing' } }))).toEqual([]);
    // Past midnight but within the lateness: the day is still open, and a late event still counts.
    expect(acc.add(event({ time: '2026-03-05T00:05:00.000Z' }))).toEqual([]);
    expect(acc.add(event({ time: '2026-03-04T23:57:00.000Z' }))).toEqual([]);
    const closed = acc.add(event({ time: '2026-03-05T00:11:00.000Z' }));
    expect(closed.map((r) => [r.actorId, value(r, 'events')])).toEqual([
      ['b1', 1],
      ['n1', 2],
    ]);
    expect(acc.add(event({ time: '2026-03-04T23:00:00.000Z' }))).toEqual([]);
    expect(acc.stats().late).toBe(1);
    const rest = acc.flush();
    expect(rest.map((r) => [r.actorId, value(r, 'events')])).toEqual([['n1', 2]]);
  });

  it('gives the same rows whatever the order of events inside the lateness', () => {
    const base = [
      event({ time: '2026-03-04T10:00:00.000Z', patientIds: ['p1'] }),
      event({ time: '2026-03-04T10:01:00.000Z', patientIds: ['p3'], action: 'export' }),
      event({ time: '2026-03-04T10:02:00.000Z', patientIds: ['p2'], actor: { id: 'b1', kind: 'user', role: 'billing-clerk', department: 'billing' } }),
      event({ time: '2026-03-04T10:03:00.000Z', patientIds: ['p4'], sensitivity: ['HIV'] }),
    ];
    const shuffled = [base[2], base[0], base[3], base[1]] as AccessEvent[];
    const strip = (rows: FeatureRow[]) => rows.map((r) => ({ ...r, evidenceIds: [...r.evidenceIds].sort(), evidenceMasks: [] }));
    expect(strip(extractFeatures(shuffled, { facts: facts(), noveltyDays: 0 }))).toEqual(strip(extractFeatures(base, { facts: facts(), noveltyDays: 0 })));
  });

  it('aligns day windows on the hospital clock, 23 hours long on the day clocks go forward', () => {
    // America/New_York goes from UTC-5 to UTC-4 on 2026-03-08.
    const events = [event({ time: '2026-03-08T04:59:00.000Z' }), event({ time: '2026-03-08T05:00:00.000Z' }), event({ time: '2026-03-09T03:59:00.000Z' }), event({ time: '2026-03-09T04:00:00.000Z' })];
    const rows = extractFeatures(events, { facts: facts('America/New_York'), noveltyDays: 0 });
    expect(rows.map((r) => [new Date(r.windowStart).toISOString(), new Date(r.windowEnd).toISOString(), value(r, 'events')])).toEqual([
      ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', 1],
      ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 2],
      ['2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z', 1],
    ]);
  });

  it('has hour windows too, each row knowing its local day', () => {
    const events = [event({ time: '2026-03-04T10:59:00.000Z' }), event({ time: '2026-03-04T11:00:00.000Z' }), event({ time: '2026-03-04T11:30:00.000Z' })];
    const rows = extractFeatures(events, { facts: facts(), window: 'hour', noveltyDays: 0 });
    expect(rows.map((r) => [r.windowEnd - r.windowStart, value(r, 'events'), new Date(r.dayStart).toISOString()])).toEqual([
      [HOUR, 1, '2026-03-04T00:00:00.000Z'],
      [HOUR, 2, '2026-03-04T00:00:00.000Z'],
    ]);
  });

  it('makes each application its own peer group and judges no care relationship for it', () => {
    const rows = extractFeatures([event({ time: '2026-03-04T10:00:00.000Z', actor: { id: 'app1', kind: 'application', role: null, department: null }, patientIds: ['p3', 'p4'], records: 40 })], {
      facts: facts(),
      noveltyDays: 0,
    });
    expect(rows[0]?.group).toBe('application:app1');
    expect(value(rows[0] as FeatureRow, 'noCareShare')).toBe(0);
    expect(value(rows[0] as FeatureRow, 'records')).toBe(40);
  });

  it('learns care the way the detector does: a write makes later reads of that patient cared for', () => {
    const events = [
      event({ time: '2026-03-04T10:00:00.000Z', patientIds: ['p4'], action: 'read' }), // no encounter, no memory: no care
      event({ time: '2026-03-04T10:01:00.000Z', patientIds: ['p4'], action: 'update' }), // judged before remembered: no care
      event({ time: '2026-03-05T10:00:00.000Z', patientIds: ['p4'], action: 'read' }), // treated before: care
    ];
    const rows = extractFeatures(events, { facts: facts(), noveltyDays: 0 });
    expect(rows.map((r) => value(r, 'noCarePatients'))).toEqual([1, 0]);
  });

  it('refuses bad options naming the option', () => {
    expect(() => new FeatureAccumulator({ facts: facts(), window: 'week' as never })).toThrow(/features\.window: "week"/);
    expect(() => new FeatureAccumulator({ facts: facts(), noveltyDays: 1.5 })).toThrow(/features\.noveltyDays/);
    expect(() => new FeatureAccumulator({ facts: facts(), allowedLatenessMs: -1 })).toThrow(/features\.allowedLatenessMs/);
  });

  it('lists every feature once, in a fixed order', () => {
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    expect(FEATURE_NAMES.slice(0, 3)).toEqual(['events', 'patients', 'afterHoursShare']);
  });
});
