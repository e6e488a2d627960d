import { describe, expect, it } from 'vitest';
import { householdKey, normalizeAddress } from './household.ts';
import { ReferenceIndex } from './reference-index.ts';
import type { ReferenceSet } from './records.ts';

const set: ReferenceSet = {
  staff: [
    { actorId: 'u1', givenName: 'Ann', familyName: 'Lee', address: '12 Oak St.', department: 'ER', role: 'nurse', hiredAt: null, terminatedAt: null },
    { actorId: 'u2', givenName: null, familyName: null, address: null, department: null, role: null, hiredAt: null, terminatedAt: null },
  ],
  patients: [
    { patientId: 'p1', givenName: 'Bo', familyName: 'LEE', address: '12  oak st', birthDate: null, deceasedAt: null, vip: false, employeeActorId: null },
    { patientId: 'p2', givenName: 'Cy', familyName: 'Moss', address: '12 Oak St', birthDate: null, deceasedAt: null, vip: true, employeeActorId: null },
    { patientId: 'p3', givenName: 'Ann', familyName: 'Lee', address: '9 Elm Rd', birthDate: null, deceasedAt: null, vip: false, employeeActorId: 'u1' },
  ],
  vendors: [{ clientId: 'app1', name: 'Acme', dailyQuota: 100 }],
  encounters: [
    { patientId: 'p1', department: 'ICU', start: '2024-02-01T00:00:00.000Z', end: null },
    { patientId: 'p1', department: 'ER', start: '2024-01-01T00:00:00.000Z', end: '2024-01-03T00:00:00.000Z' },
  ],
};

describe('householdKey', () => {
  it('ignores case, punctuation and runs of blanks', () => {
    expect(householdKey('12 Oak St.', 'Lee')).toBe(householdKey(' 12  OAK st ', 'LEE'));
    expect(householdKey('12 Oak St', 'Lee')).not.toBe(householdKey('12 Oak St', 'Moss'));
    expect(householdKey('12 Oak St', 'Lee')).not.toBe(householdKey('14 Oak St', 'Lee'));
  });

  it('is null when address or family name is unknown, so missing data never matches', () => {
    expect(householdKey(null, 'Lee')).toBeNull();
    expect(householdKey('12 Oak St', '  ')).toBeNull();
    expect(normalizeAddress(' ., ')).toBeNull();
  });
});

describe('ReferenceIndex', () => {
  const index = new ReferenceIndex(set);

  it('looks up staff, patients and vendors by id', () => {
    expect(index.staff('u1')?.role).toBe('nurse');
    expect(index.staff('nobody')).toBeUndefined();
    expect(index.patient('p2')?.vip).toBe(true);
    expect(index.isVip('p2')).toBe(true);
    expect(index.isVip('p1')).toBe(false);
    expect(index.vendor('app1')?.dailyQuota).toBe(100);
  });

  it('returns encounters sorted by start', () => {
    expect(index.encounters('p1').map((e) => e.department)).toEqual(['ER', 'ICU']);
    expect(index.encounters('p9')).toEqual([]);
  });

  it('finds household members, neighbours at the same address and an employee\'s own chart', () => {
    const key = index.staffHousehold('u1');
    expect(key).not.toBeNull();
    expect(index.patientsInHousehold(key as string)).toEqual(['p1']);
    expect(index.patientHousehold('p1')).toBe(key);
    expect([...index.patientsAtStaffAddress('u1')].sort()).toEqual(['p1', 'p2']);
    expect(index.patientsAtStaffAddress('u2')).toEqual([]);
    expect(index.patientOfEmployee('u1')).toBe('p3');
  });

  it('knows whether an encounter was open at a time', () => {
    expect(index.hasEncounterAt('p1', '2024-01-02T00:00:00.000Z')).toBe(true);
    expect(index.hasEncounterAt('p1', '2024-01-02T00:00:00.000Z', { department: 'ICU' })).toBe(false);
    expect(index.hasEncounterAt('p1', '2024-01-20T00:00:00.000Z')).toBe(false);
    expect(index.hasEncounterAt('p1', '2024-01-03T12:00:00.000Z', { slackMs: 24 * 3600_000 })).toBe(true);
    expect(index.hasEncounterAt('p1', '2030-01-01T00:00:00.000Z', { department: 'ICU' })).toBe(true);
    expect(index.hasEncounterAt('p3', '2024-01-02T00:00:00.000Z')).toBe(false);
  });
});
