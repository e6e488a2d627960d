import { describe, expect, it } from 'vitest';
import { FileContentError } from '@chartwatch/errors';
import { parseEncountersCsv, parsePatientsCsv, parseRolesCsv, parseStaffCsv, parseVendorsCsv } from './reference-csv.ts';
import { DEFAULT_ROLE_VOCABULARY, RoleVocabulary } from './role-vocabulary.ts';
import { patientSchema, staffSchema } from './records.ts';

function errorOf(fn: () => unknown): FileContentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FileContentError);
    return err as FileContentError;
  }
  throw new Error('expected a FileContentError');
}

describe('parseStaffCsv', () => {
  it('reads every column, maps empty cells to null and normalises times to ISO UTC', () => {
    const text = [
      'actor_id,given_name,family_name,address,department,role,hired_at,terminated_at,extra',
      'u1,Ann,Lee,12 Oak St,Cardiology,physician,2019-03-01,2024-05-06T10:00:00+02:00,ignored',
      'u2,,,,,,,,',
    ].join('\n');
    const staff = parseStaffCsv(text, 'staff.csv');
    expect(staff).toEqual([
      {
        actorId: 'u1',
        givenName: 'Ann',
        familyName: 'Lee',
        address: '12 Oak St',
        department: 'Cardiology',
        role: 'physician',
        hiredAt: '2019-03-01T00:00:00.000Z',
        terminatedAt: '2024-05-06T08:00:00.000Z',
      },
      { actorId: 'u2', givenName: null, familyName: null, address: null, department: null, role: null, hiredAt: null, terminatedAt: null },
    ]);
    for (const s of staff) expect(staffSchema.parse(s)).toEqual(s);
  });

  it('matches header names case-insensitively, in any order, with a BOM and CRLF line ends', () => {
    const staff = parseStaffCsv('\uFEFFRole, Actor_ID\r\nnurse,u7\r\n', 'staff.csv');
    expect(staff).toEqual([expect.objectContaining({ actorId: 'u7', role: 'nurse', hiredAt: null })]);
  });

  it('takes a time without offset as UTC, keeps milliseconds, accepts a space separator', () => {
    const [s] = parseStaffCsv('actor_id,hired_at\nu1,2024-01-02 03:04:05.6789\n', 'staff.csv');
    expect(s?.hiredAt).toBe('2024-01-02T03:04:05.678Z');
  });

  it('rejects a bad time, naming file, line and column', () => {
    const err = errorOf(() => parseStaffCsv('actor_id,hired_at\nu1,2024-01-01\nu2,2024-02-30\n', 'ref/staff.csv'));
    expect(err.code).toBe('CW_ERR_REFERENCE_INVALID');
    expect(err.file).toBe('ref/staff.csv');
    expect(err.field).toBe('line 3 column hired_at');
    expect(err.message).toContain('value "2024-02-30" is not an ISO-8601 time');
  });

  it.each(['yesterday', '2024-13-01', '2024-01-01T25:00', '01/02/2024', '2024-01-01T10:00+25:00'])('rejects the time %s', (value) => {
    const err = errorOf(() => parseStaffCsv(`actor_id,hired_at\nu1,${value}\n`, 'staff.csv'));
    expect(err.field).toBe('line 2 column hired_at');
  });

  it('rejects a missing id, a missing id column, a bad id and a repeated id', () => {
    expect(errorOf(() => parseStaffCsv('actor_id,role\n,nurse\n', 'staff.csv')).field).toBe('line 2 column actor_id');
    const noColumn = errorOf(() => parseStaffCsv('id,role\nu1,nurse\n', 'staff.csv'));
    expect(noColumn.field).toBe('line 1 column actor_id');
    expect(noColumn.message).toContain('required column is missing');
    expect(errorOf(() => parseStaffCsv('actor_id\n<script>\n', 'staff.csv')).message).toContain('value "<script>" is not an id');
    const repeated = errorOf(() => parseStaffCsv('actor_id\nu1\nu2\nu1\n', 'staff.csv'));
    expect(repeated.field).toBe('line 4 column actor_id');
    expect(repeated.message).toContain('first seen on line 2');
  });

  it('rejects a termination before the hire', () => {
    const err = errorOf(() => parseStaffCsv('actor_id,hired_at,terminated_at\nu1,2024-01-02,2023-01-01\n', 'staff.csv'));
    expect(err.field).toBe('line 2 column terminated_at');
  });

  it('reports broken CSV quoting with its line', () => {
    const err = errorOf(() => parseStaffCsv('actor_id,address\nu1,"12 Oak\n', 'staff.csv'));
    expect(err.message).toContain('not valid CSV');
  });

  it('returns an empty list for an empty file or a header alone', () => {
    expect(parseStaffCsv('', 'staff.csv')).toEqual([]);
    expect(parseStaffCsv('actor_id,role\n', 'staff.csv')).toEqual([]);
  });

  it('keeps a quoted multi-line address and reports later lines correctly', () => {
    const text = 'actor_id,address,hired_at\nu1,"12 Oak St\nFlat 2",\nu2,,bad\n';
    const err = errorOf(() => parseStaffCsv(text, 'staff.csv'));
    expect(err.field).toBe('line 4 column hired_at');
    expect(parseStaffCsv('actor_id,address\nu1,"12 Oak St\nFlat 2"\n', 'staff.csv')[0]?.address).toBe('12 Oak St\nFlat 2');
  });
});

describe('parsePatientsCsv', () => {
  const header = 'patient_id,given_name,family_name,address,birth_date,deceased_at,vip,employee_actor_id';

  it('reads patients with VIP flags in several spellings', () => {
    const text = [header, 'p1,Bo,Lee,12 Oak St,1980-02-29,,TRUE,u1', 'p2,,,,,2023-07-01T00:00:00Z,no,', 'p3,,,,,,,'].join('\n');
    const patients = parsePatientsCsv(text, 'patients.csv');
    expect(patients.map((p) => [p.patientId, p.vip, p.birthDate, p.deceasedAt, p.employeeActorId])).toEqual([
      ['p1', true, '1980-02-29', null, 'u1'],
      ['p2', false, null, '2023-07-01T00:00:00.000Z', null],
      ['p3', false, null, null, null],
    ]);
    for (const p of patients) expect(patientSchema.parse(p)).toEqual(p);
  });

  it('rejects a VIP flag that is not a boolean', () => {
    const err = errorOf(() => parsePatientsCsv(`${header}\np1,,,,,,maybe,\n`, 'patients.csv'));
    expect(err.field).toBe('line 2 column vip');
    expect(err.message).toContain('value "maybe" is not a boolean');
  });

  it('rejects birth dates that are not calendar dates or out of range', () => {
    for (const value of ['1981-02-29', '1899-12-31', '1980-02-29T00:00:00Z']) {
      expect(errorOf(() => parsePatientsCsv(`${header}\np1,,,,${value},,,\n`, 'patients.csv')).field).toBe('line 2 column birth_date');
    }
  });
});

describe('parseVendorsCsv', () => {
  it('reads quotas, empty meaning no quota', () => {
    expect(parseVendorsCsv('client_id,name,daily_quota\napp1,Acme Billing,5000\napp2,,\n', 'vendors.csv')).toEqual([
      { clientId: 'app1', name: 'Acme Billing', dailyQuota: 5000 },
      { clientId: 'app2', name: null, dailyQuota: null },
    ]);
  });

  it.each(['-1', '1.5', 'lots', '1e3'])('rejects the quota %s', (value) => {
    const err = errorOf(() => parseVendorsCsv(`client_id,daily_quota\napp1,${value}\n`, 'vendors.csv'));
    expect(err.field).toBe('line 2 column daily_quota');
    expect(err.message).toBe(`CW_ERR_REFERENCE_INVALID: vendors.csv: line 2 column daily_quota: value "${value}" is not a whole number of 0 or more`);
  });
});

describe('parseEncountersCsv', () => {
  it('reads open and closed encounters', () => {
    expect(parseEncountersCsv('patient_id,department,start,end\np1,ER,2024-01-01T10:00Z,2024-01-02T10:00Z\np1,ICU,2024-01-02T10:00Z,\n', 'encounters.csv')).toEqual([
      { patientId: 'p1', department: 'ER', start: '2024-01-01T10:00:00.000Z', end: '2024-01-02T10:00:00.000Z' },
      { patientId: 'p1', department: 'ICU', start: '2024-01-02T10:00:00.000Z', end: null },
    ]);
  });

  it('requires patient, department and start, and an end after the start', () => {
    expect(errorOf(() => parseEncountersCsv('patient_id,department,start\np1,,2024-01-01\n', 'e.csv')).field).toBe('line 2 column department');
    expect(errorOf(() => parseEncountersCsv('patient_id,department\np1,ER\n', 'e.csv')).field).toBe('line 1 column start');
    expect(errorOf(() => parseEncountersCsv('patient_id,department,start,end\np1,ER,2024-01-02,2024-01-01\n', 'e.csv')).field).toBe('line 2 column end');
  });
});

describe('parseRolesCsv', () => {
  it('reads a role vocabulary written with a BOM, CRLF, extra columns and a quoted multi-line note', () => {
    const text = '\uFEFFrole,categories,note\r\nhim_specialist,him,"records requests\r\nand coding"\r\nRN-II,"clinical; nursing",\r\nvolunteer,,\r\n';
    expect(parseRolesCsv(text)).toEqual([
      { role: 'him_specialist', categories: ['him'] },
      { role: 'RN-II', categories: ['clinical', 'nursing'] },
      { role: 'volunteer', categories: [] },
    ]);
  });

  it('refuses an unknown category naming file, line, column and value, and a role written twice', () => {
    const bad = errorOf(() => parseRolesCsv('role,categories\nclerk,billing|finance\n', 'roles.csv'));
    expect(bad.code).toBe('CW_ERR_REFERENCE_INVALID');
    expect(bad.message).toContain('roles.csv: line 2 column categories: value "finance" is not a category');
    expect(errorOf(() => parseRolesCsv('role,categories\nHIM clerk,him\nhim_clerk,him\n', 'roles.csv')).message).toContain('repeats the id first seen on line 2');
  });
});

describe('RoleVocabulary', () => {
  it('answers categories by any spelling of the role and reports roles it cannot place', () => {
    const v = new RoleVocabulary([{ role: 'him_specialist', categories: ['him'] }]);
    expect(v.categoriesOf('HIM Specialist')).toEqual(['him']);
    expect(v.categoriesOf('nurse')).toEqual([]);
    expect(v.unmapped(['nurse', 'him_specialist', null, 'Nurse', 'volunteer'])).toEqual(['nurse', 'volunteer']);
    expect(DEFAULT_ROLE_VOCABULARY.categoriesOf('billing-clerk')).toEqual(['billing']);
  });
});
