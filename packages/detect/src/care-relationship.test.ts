import { describe, expect, it } from 'vitest';
import { CareRelationships, DEFAULT_CARE_OPTIONS } from '@chartwatch/facts';
import { ActorDirectory, PatientDirectory } from '@chartwatch/facts';
import { encounter, patient, reference, staff } from './rules/rule-fixture.ts';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
const ref = reference({
  staff: [staff('u1', { department: 'Cardiology' }), staff('u2', { department: 'oncology' })],
  patients: [patient('p1'), patient('p2')],
  encounters: [
    encounter('p1', 'cardiology', '2026-03-10T08:00:00.000Z', '2026-03-12T08:00:00.000Z'),
    encounter('p2', 'icu', '2026-03-01T08:00:00.000Z', null),
  ],
});

function setup(options = DEFAULT_CARE_OPTIONS) {
  const patients = new PatientDirectory(ref);
  const actors = new ActorDirectory(ref);
  return { care: new CareRelationships(options, patients), actor: (id: string) => actors.get(id), patient: (id: string) => patients.get(id) };
}

describe('care relationship', () => {
  it('holds through an encounter of the actor department, widened 7 days each side', () => {
    const { care, actor, patient } = setup();
    const u1 = actor('u1');
    const p1 = patient('p1');
    expect(care.has(null, null, u1, p1, at('2026-03-03T08:00:00.000Z'))).toBe(true); // exactly 7 days before
    expect(care.has(null, null, u1, p1, at('2026-03-03T07:59:59.999Z'))).toBe(false);
    expect(care.has(null, null, u1, p1, at('2026-03-19T08:00:00.000Z'))).toBe(true); // exactly 7 days after
    expect(care.has(null, null, u1, p1, at('2026-03-19T08:00:00.001Z'))).toBe(false);
    expect(care.has(null, null, actor('u2'), p1, at('2026-03-11T00:00:00.000Z'))).toBe(false);
  });

  it("takes the event's department as well as the directory's, and an open encounter runs on", () => {
    const { care, actor, patient } = setup();
    expect(care.has(null, 'icu', actor('u2'), patient('p2'), at('2026-09-01T00:00:00.000Z'))).toBe(true);
    expect(care.has(null, 'oncology', actor('u2'), patient('p2'), at('2026-09-01T00:00:00.000Z'))).toBe(false);
  });

  it('the margins are configurable', () => {
    const { care, actor, patient } = setup({ ...DEFAULT_CARE_OPTIONS, beforeMs: 0, afterMs: DAY });
    expect(care.has(null, null, actor('u1'), patient('p1'), at('2026-03-10T07:00:00.000Z'))).toBe(false);
    expect(care.has(null, null, actor('u1'), patient('p1'), at('2026-03-13T07:00:00.000Z'))).toBe(true);
  });

  it('an access under an encounter is remembered for the memory span', () => {
    const { care, actor, patient } = setup();
    const u1 = actor('u1');
    const p1 = patient('p1');
    care.record(null, u1, p1, at('2026-03-11T09:00:00.000Z'), false);
    expect(care.has(null, null, u1, p1, at('2026-05-01T09:00:00.000Z'))).toBe(true);
    expect(care.has(null, null, u1, p1, at('2026-06-09T09:00:00.000Z'))).toBe(true); // 90 days
    expect(care.has(null, null, u1, p1, at('2026-06-09T09:01:00.000Z'))).toBe(false);
  });

  it('a read without an encounter is not remembered, a write is', () => {
    const { care, actor, patient } = setup();
    const u2 = actor('u2');
    const p1 = patient('p1');
    care.record(null, u2, p1, at('2026-04-01T09:00:00.000Z'), false);
    expect(care.has(null, null, u2, p1, at('2026-04-02T09:00:00.000Z'))).toBe(false);
    care.record(null, u2, p1, at('2026-04-01T10:00:00.000Z'), true);
    expect(care.has(null, null, u2, p1, at('2026-04-02T09:00:00.000Z'))).toBe(true);
    // Memory looks backwards only: the write does not vouch for what came before it.
    expect(care.has(null, null, u2, p1, at('2026-04-01T09:30:00.000Z'))).toBe(false);
  });

  it('memory per actor is capped, forgetting the least recent patient', () => {
    const { care, actor, patient } = setup({ ...DEFAULT_CARE_OPTIONS, maxPatientsPerActor: 2 });
    const u2 = actor('u2');
    const t = at('2026-04-01T09:00:00.000Z');
    care.record(null, u2, patient('a'), t, true);
    care.record(null, u2, patient('b'), t + 60_000, true);
    care.record(null, u2, patient('c'), t + 120_000, true);
    expect(u2.treatedCount).toBe(2);
    expect(care.has(null, null, u2, patient('a'), t + DAY)).toBe(false);
    expect(care.has(null, null, u2, patient('c'), t + DAY)).toBe(true);
    expect(care.expire(u2, t + 91 * DAY)).toBe(2);
    expect(u2.treatedCount).toBe(0);
  });

  it('a patient with more encounters than the directory row holds is judged the same way, in start order', () => {
    // p3's encounters out of order and one more than the row holds; p4 has two (in the row).
    const many = reference({
      staff: [staff('u1', { department: 'cardiology' })],
      patients: [patient('p3'), patient('p4')],
      encounters: [
        encounter('p3', 'icu', '2026-05-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z'),
        encounter('p3', 'oncology', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),
        encounter('p3', 'cardiology', '2026-03-10T00:00:00.000Z', '2026-03-11T00:00:00.000Z'),
        encounter('p4', 'icu', '2026-05-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z'),
        encounter('p4', 'cardiology', '2026-03-10T00:00:00.000Z', '2026-03-11T00:00:00.000Z'),
      ],
    });
    const patients = new PatientDirectory(many);
    const care = new CareRelationships(DEFAULT_CARE_OPTIONS, patients);
    const u1 = new ActorDirectory(many).get('u1');
    for (const id of ['p3', 'p4']) {
      const p = patients.get(id);
      expect(care.has(null, null, u1, p, at('2026-03-17T00:00:00.000Z')), id).toBe(true);
      expect(care.has(null, null, u1, p, at('2026-03-18T00:00:00.001Z')), id).toBe(false);
      expect(care.has(null, 'icu', u1, p, at('2026-05-08T23:00:00.000Z')), id).toBe(true);
      expect(care.has(null, 'oncology', u1, p, at('2026-01-05T00:00:00.000Z')), id).toBe(id === 'p3');
    }
    expect(patients.encounters(patients.get('p3')).map((e) => e.department)).toEqual(['oncology', 'cardiology', 'icu']);
    expect(patients.encounters(patients.get('p4')).map((e) => e.department)).toEqual(['cardiology', 'icu']);
    // Reloaded reference data: the rows are read again.
    patients.setReference(reference({ staff: [], patients: [patient('p4')], encounters: [] }));
    expect(care.has(null, null, u1, patients.get('p4'), at('2026-03-17T00:00:00.000Z'))).toBe(false);
  });

  it("an operational role's write builds no memory: its window is the encounter's (rule 3)", () => {
    const ops = reference({
      staff: [staff('reg', { role: 'Registrar', department: 'registration' }), staff('nurse', { role: 'nurse', department: 'registration' })],
      patients: [patient('p1')],
      encounters: [encounter('p1', 'cardiology', '2026-03-05T13:00:00.000Z', '2026-03-05T17:00:00.000Z')],
    });
    const patients = new PatientDirectory(ops);
    const actors = new ActorDirectory(ops);
    const care = new CareRelationships(DEFAULT_CARE_OPTIONS, patients);
    const p1 = patients.get('p1');
    const checkIn = at('2026-03-05T13:10:00.000Z');
    const sunday = at('2026-03-08T17:00:00.000Z');
    // At check-in the registrar is in the registration window, and writes; three days later neither holds.
    expect(care.has('registrar', null, actors.get('reg'), p1, checkIn)).toBe(true);
    care.record(null, actors.get('reg'), p1, checkIn, true);
    expect(care.has('registrar', null, actors.get('reg'), p1, sunday)).toBe(false);
    // The same write by a clinical role is remembered.
    care.record(null, actors.get('nurse'), p1, checkIn, true);
    expect(care.has('nurse', null, actors.get('nurse'), p1, sunday)).toBe(true);
  });
});
